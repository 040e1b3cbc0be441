package io.kessai.system;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.kessai.testing.TokenMinter;
import io.restassured.path.json.JsonPath;

/**
 * The foundation journey across real processes: every service is ready on its own database, and a token issued by
 * the running auth-service is what the other services accept, while forged tokens and missing roles are refused.
 */
@ExtendWith(RunningStack.class)
class StackSmokeIT {

    private static final String WHOAMI = "/v1/internal/whoami";

    @ParameterizedTest
    @EnumSource(Service.class)
    void everyServiceIsReadyWithItsDatabase(Service service) {
        given().baseUri(url(service)).when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Reactive PostgreSQL connections health check"));
    }

    @Test
    void discoveryPublishesTheIssuerTheOthersExpect() {
        given().baseUri(url(Service.AUTH)).when().get("/.well-known/openid-configuration")
                .then().statusCode(200)
                .body("issuer", equalTo(stack().issuer()))
                .body("jwks_uri", equalTo(stack().issuer() + "/.well-known/jwks.json"));
    }

    @ParameterizedTest
    @EnumSource(value = Service.class, names = {"WALLET", "PAYMENT", "NOTIFICATION"})
    void tokenFromRunningAuthServiceIsAcceptedByTheOtherServices(Service resourceServer) {
        String token = serviceToken(Service.PAYMENT);
        given().baseUri(url(resourceServer)).auth().oauth2(token)
                .when().get(WHOAMI)
                .then().statusCode(200)
                .body("subject", equalTo("payment-service"))
                .body("roles", equalTo(List.of("service")));
    }

    @Test
    void forgedTokensAreRefusedByWallet() throws Exception {
        TokenMinter realKey = TokenMinter.fromJwkFile(currentSigningKey(), stack().issuer());
        List<String> forged = List.of(
                realKey.tokenSignedByStranger("payment-service", "service"),
                realKey.unsignedToken("payment-service", "service"),
                realKey.expiredToken("payment-service", "service"),
                realKey.tokenFromIssuer("https://evil.example", "payment-service", "service"));
        for (String token : forged) {
            given().baseUri(url(Service.WALLET)).auth().oauth2(token)
                    .when().get(WHOAMI)
                    .then().statusCode(401)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://kessai.io/problems/unauthorized"));
        }
    }

    @Test
    void validTokenWithoutTheServiceRoleIsForbiddenByWallet() throws Exception {
        TokenMinter realKey = TokenMinter.fromJwkFile(currentSigningKey(), stack().issuer());
        given().baseUri(url(Service.WALLET)).auth().oauth2(realKey.token("customer-1", "customer"))
                .when().get(WHOAMI)
                .then().statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://kessai.io/problems/forbidden"));
    }

    @Test
    void wrongClientSecretGetsNoToken() {
        given().baseUri(url(Service.AUTH)).auth().preemptive().basic("payment-service", "wrong")
                .formParam("grant_type", "client_credentials")
                .when().post("/oauth2/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    static String serviceToken(Service caller) {
        return given().baseUri(url(Service.AUTH)).auth().preemptive()
                .basic(caller.module(), stack().clientSecret(caller))
                .formParam("grant_type", "client_credentials")
                .when().post("/oauth2/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** A token of the local stack's ops client (role ops, no service scope), as the ops runbooks get one. */
    static String opsToken() {
        return given().baseUri(url(Service.AUTH)).auth().preemptive()
                .basic(LocalStack.OPS_CLIENT, stack().opsClientSecret())
                .formParam("grant_type", "client_credentials")
                .when().post("/oauth2/token")
                .then().statusCode(200).extract().path("access_token");
    }

    static String url(Service service) {
        return stack().url(service).toString();
    }

    private static LocalStack stack() {
        return RunningStack.stack();
    }

    /**
     * The key file of the key that signs now: the one named by the {@code kid} of a token the running auth-service
     * just issued. Counting files would break as soon as the folder holds more than one key (a rotation after 30
     * days, a key published ahead of signing).
     */
    static Path currentSigningKey() throws Exception {
        String token = serviceToken(Service.PAYMENT);
        String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                StandardCharsets.UTF_8);
        String kid = JsonPath.from(header).getString("kid");
        assertNotNull(kid, "auth-service's tokens name their key: " + header);
        Path key = stack().signingKeyDirectory().resolve(kid + ".jwk.json");
        assertTrue(Files.isRegularFile(key) && Files.size(key) > 0, "the signing key " + kid + " is in " + key);
        return key;
    }
}
