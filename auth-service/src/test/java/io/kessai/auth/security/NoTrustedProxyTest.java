package io.kessai.auth.security;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.auth.security.ForgedClientAddressTest.refusedForNow;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * auth-service as installed, with no trusted proxy: a client reaching it directly writes X-Forwarded-For in vain, since
 * the header is not read at all. A start of its own (the other tests trust loopback), where every request comes from
 * loopback and so shares its buckets.
 */
@QuarkusTest
@TestProfile(NoTrustedProxyTest.InstalledDefaults.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class NoTrustedProxyTest {

    /** The default of kessai.auth.client-address.trusted-proxies: none (an empty value unsets the %test one). */
    public static class InstalledDefaults implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kessai.auth.client-address.trusted-proxies", "");
        }
    }

    @Test
    void aForgedHeaderFromAClientThatIsNoProxyIsIgnored() {
        for (int i = 0; i < 30; i++) {
            expectProblem(given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                    .body(Map.of("code", "123456")).post("/v1/registrations/" + UUID.randomUUID() + "/confirm")
                    .then(), 400, "invalid-code");
        }
        refusedForNow(given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("code", "123456")).post("/v1/registrations/" + UUID.randomUUID() + "/confirm").then());

        // The audit log names the peer, not the address the request wrote.
        Phone phone = Phone.fresh();
        expectProblem(login(phone.typed(), "stuffed-password", newDeviceId(), freshAddress()), 401,
                "invalid-credentials");
        String audited = queryText("SELECT address FROM audit_event WHERE type = 'login' AND phone_e164 = '"
                + phone.e164() + "'");
        assertTrue(List.of("127.0.0.1", "::1").contains(audited), "audited address " + audited);
    }
}
