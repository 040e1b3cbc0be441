package io.kessai.auth.security;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.freshIpv6Network;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * The attack of issue 12: a client that writes a new X-Forwarded-For value on every request, behind a proxy that
 * appends the address it really came from (here loopback, the trusted proxy of the tests), used to be counted under
 * the value it wrote, so no per-address limit ever filled. Each test replays it against one limit and shows the limit
 * now holds, and that the audit log names the real address.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class ForgedClientAddressTest {

    @Test
    void aNewForgedAddressPerSignInStillMeetsTheSignInLimit() {
        String attacker = freshAddress();
        List<String> forged = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            forged.add(freshAddress());
            // What the proxy passes on: the attacker's own header, then the address it saw.
            expectProblem(login(Phone.fresh().typed(), "stuffed-password-" + i, newDeviceId(),
                    forged.getLast() + ", " + attacker), 401, "invalid-credentials");
        }
        refusedForNow(
                login(Phone.fresh().typed(), "stuffed-password", newDeviceId(), freshAddress() + ", " + attacker));

        assertEquals(20,
                count("SELECT count(*) FROM audit_event WHERE type = 'login' AND address = '" + attacker + "'"));
        assertEquals(0, count("SELECT count(*) FROM audit_event WHERE address IN ('" + String.join("', '", forged)
                + "')"));
    }

    @Test
    void aNewForgedAddressPerRegistrationStillMeetsTheRegistrationLimit() {
        String attacker = freshAddress();
        for (int i = 0; i < 10; i++) {
            // A proxy may add a header line of its own instead of appending to the client's.
            given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                    .header("X-Forwarded-For", attacker)
                    .body(Map.of("phone", Phone.fresh().typed(), "password", TestUsers.PASSWORD))
                    .post("/v1/registrations").then().statusCode(202);
        }
        refusedForNow(given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .header("X-Forwarded-For", attacker)
                .body(Map.of("phone", Phone.fresh().typed(), "password", TestUsers.PASSWORD))
                .post("/v1/registrations").then());
    }

    @Test
    void aNewForgedAddressPerResetRequestStillMeetsTheResetLimit() {
        String attacker = freshAddress();
        for (int i = 0; i < 5; i++) {
            resetRequest(freshAddress() + ", " + freshAddress() + ", " + attacker).statusCode(202);
        }
        refusedForNow(resetRequest(freshAddress() + ", " + attacker));

        assertEquals(5, count("SELECT count(*) FROM audit_event WHERE type = 'password-reset-request' AND address = '"
                + attacker + "'"));
    }

    @Test
    void aNewForgedAddressPerCodeStillMeetsTheConfirmationLimit() {
        String attacker = freshAddress();
        // The forged part may even name the trusted proxy itself: it stands left of the attacker and is never read.
        List<String> forgedChains = List.of(freshAddress(), "127.0.0.1", freshAddress() + ", ::1", "unknown");
        for (int i = 0; i < 30; i++) {
            expectProblem(confirm(forgedChains.get(i % forgedChains.size()) + ", " + attacker), 400, "invalid-code");
        }
        refusedForNow(confirm(freshAddress() + ", " + attacker));
    }

    @Test
    void aNewAddressPerRequestInOneIpv6NetworkStillMeetsTheLimit() {
        // Every IPv6 customer has a /64 of its own to pick source addresses from: the limits count the network.
        String network = freshIpv6Network();
        for (int i = 1; i <= 5; i++) {
            resetRequest(network + "::" + Integer.toHexString(i * 4099)).statusCode(202);
        }
        refusedForNow(resetRequest(network + ":ffff:ffff:ffff:ffff"));
        resetRequest(freshIpv6Network() + "::1").statusCode(202);

        // The audit log keeps each full address, in canonical form.
        String first = ClientAddress.canonical(network + "::" + Integer.toHexString(4099));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'password-reset-request' AND address = '"
                + first + "'"));
    }

    /** 429 too-many-requests with the seconds until the bucket has a token again (within the tests' 1 h refill). */
    static void refusedForNow(ValidatableResponse response) {
        String retryAfter = expectProblem(response, 429, "too-many-requests").extract().header("Retry-After");
        int seconds = Integer.parseInt(retryAfter);
        assertTrue(seconds >= 1 && seconds <= 3600, "Retry-After " + retryAfter);
    }

    private static ValidatableResponse resetRequest(String forwardedFor) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", forwardedFor)
                .body(Map.of("phone", Phone.fresh().typed())).post("/v1/password-resets").then();
    }

    private static ValidatableResponse confirm(String forwardedFor) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", forwardedFor)
                .body(Map.of("code", "123456")).post("/v1/registrations/" + UUID.randomUUID() + "/confirm").then();
    }
}
