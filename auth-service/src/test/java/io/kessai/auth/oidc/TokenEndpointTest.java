package io.kessai.auth.oidc;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.testing.TestDatabase.count;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.common.security.Scopes;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * The client-credentials grant: what a good client gets, what every kind of bad request gets instead, and how guessing
 * a secret is cut off. Wrong secrets count against the client and the address, so refusal tests send a fresh address,
 * and each guessing test guesses a client of its own ({@link TestClients#GUESSED}).
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class TokenEndpointTest {

    private static final String TOKEN = "/oauth2/token";

    @Test
    void serviceClientGetsAVerifiableFiveMinuteToken() throws Exception {
        String token = given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("grant_type", "client_credentials")
                .when().post(TOKEN)
                .then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(300))
                .extract().path("access_token");

        JwtClaims claims = verifierFromPublishedKeys().processToClaims(token);
        assertEquals(TestClients.PAYMENT, claims.getSubject());
        assertEquals(List.of("service"), claims.getStringListClaimValue("groups"));
        assertEquals(List.of("kessai"), claims.getAudience());
        assertEquals(300, claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue());
        assertTrue(claims.getJwtId() != null && !claims.getJwtId().isBlank());
    }

    @Test
    void everyTokenHasItsOwnId() throws Exception {
        JwtConsumer verifier = verifierFromPublishedKeys();
        String first = tokenForPayment();
        String second = tokenForPayment();
        assertNotEquals(verifier.processToClaims(first).getJwtId(), verifier.processToClaims(second).getJwtId());
    }

    @Test
    void clientSecretInTheFormIsAccepted() {
        given().formParam("grant_type", "client_credentials")
                .formParam("client_id", TestClients.OPS_TOOL)
                .formParam("client_secret", TestClients.secretOf(TestClients.OPS_TOOL))
                .when().post(TOKEN)
                .then().statusCode(200).body("access_token", not(nullValue()));
    }

    @Test
    void anOpsClientCarriesItsRoleAndNoScope() throws Exception {
        String token = given().formParam("grant_type", "client_credentials")
                .formParam("client_id", TestClients.OPS_TOOL)
                .formParam("client_secret", TestClients.secretOf(TestClients.OPS_TOOL))
                .when().post(TOKEN).then().statusCode(200).body("scope", nullValue()).extract().path("access_token");
        JwtClaims claims = verifierFromPublishedKeys().processToClaims(token);
        assertEquals(List.of("ops"), claims.getStringListClaimValue("groups"));
        assertFalse(claims.hasClaim("scope"), "an ops token carries no service scope: " + claims);
        given().formParam("grant_type", "client_credentials").formParam("client_id", TestClients.OPS_TOOL)
                .formParam("client_secret", TestClients.secretOf(TestClients.OPS_TOOL))
                .formParam("scope", Scopes.WALLET_TRANSFERS_TOPUP)
                .when().post(TOKEN).then().statusCode(400).body("error", equalTo("invalid_scope"))
                .body("access_token", nullValue());
    }

    @Test
    void aKnownServiceClientGetsExactlyTheScopesItsCallsNeed() throws Exception {
        String scope = String.join(" ", Scopes.grantedByDefault(TestClients.PAYMENT));
        String token = given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("grant_type", "client_credentials")
                .when().post(TOKEN).then().statusCode(200).body("scope", equalTo(scope)).extract()
                .path("access_token");
        JwtClaims claims = verifierFromPublishedKeys().processToClaims(token);
        assertEquals(scope, claims.getStringClaimValue("scope"));
        assertTrue(scope.contains(Scopes.WALLET_TRANSFERS_TOPUP) && !scope.contains(Scopes.WALLET_CUSTOMERS_OPEN),
                scope);
    }

    @Test
    void theScopeParameterNarrowsATokenButNeverWidensIt() throws Exception {
        String token = given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("grant_type", "client_credentials")
                .formParam("scope", Scopes.NOTIFICATION_EVENTS_SEND + "  " + Scopes.WALLET_ACCOUNTS_READ)
                .when().post(TOKEN).then().statusCode(200)
                .body("scope", equalTo(Scopes.NOTIFICATION_EVENTS_SEND + " " + Scopes.WALLET_ACCOUNTS_READ))
                .extract().path("access_token");
        assertEquals(Scopes.NOTIFICATION_EVENTS_SEND + " " + Scopes.WALLET_ACCOUNTS_READ,
                verifierFromPublishedKeys().processToClaims(token).getStringClaimValue("scope"));

        // A scope the client does not hold, or one that does not exist, gets no token at all (RFC 6749 §5.2).
        for (String asked : List.of(Scopes.WALLET_CUSTOMERS_OPEN, Scopes.NOTIFICATION_EVENTS_SEND + " "
                + Scopes.WALLET_TRANSFERS_ADJUSTMENT, "wallet:everything")) {
            given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                    .formParam("grant_type", "client_credentials").formParam("scope", asked)
                    .when().post(TOKEN).then().statusCode(400)
                    .header("Cache-Control", "no-store")
                    .body("error", equalTo("invalid_scope"))
                    .body("access_token", nullValue());
        }
    }

    @Test
    void wrongSecretIsRefusedWithoutAToken() {
        invalidClient(guess(TestClients.PAYMENT, "guess", freshAddress()));
    }

    @Test
    void anotherClientsSecretIsRefused() {
        invalidClient(guess(TestClients.PAYMENT, TestClients.secretOf(TestClients.OPS_TOOL), freshAddress()));
    }

    @Test
    void unknownClientIsRefused() {
        invalidClient(guess("intruder", "anything", freshAddress()));
    }

    @Test
    void guessingAClientsSecretIsCutOffAndTheRightSecretWaitsToo() {
        String client = TestClients.GUESSED.get(0);
        String attacker = freshAddress();
        for (int i = 0; i < 10; i++) {
            // A new forged address before the one the proxy appended, each time: it changes nothing.
            invalidClient(guess(client, "guess-" + i, freshAddress() + ", " + attacker));
        }
        throttled(guess(client, "guess-10", freshAddress() + ", " + attacker));
        // Were the right secret still checked, its 200 among the 429s would tell the guesser it had found it.
        throttled(guess(client, TestClients.secretOf(client), freshAddress() + ", " + attacker));

        assertEquals(10, count("SELECT count(*) FROM audit_event WHERE type = 'client-authentication' "
                + "AND outcome = 'failure' AND address = '" + attacker + "' AND detail->>'clientId' = '" + client
                + "' AND (detail->>'knownClient')::boolean"));
    }

    @Test
    void guessingFromANewAddressEachTimeMeetsTheClientsLimit() {
        String client = TestClients.GUESSED.get(1);
        for (int i = 0; i < 10; i++) {
            invalidClient(guess(client, "guess-" + i, freshAddress()));
        }
        throttled(guess(client, "guess-10", freshAddress()));
        throttled(guess(client, TestClients.secretOf(client), freshAddress()));
    }

    @Test
    void oneAddressTryingManyClientsMeetsTheAddressLimit() {
        String attacker = freshAddress();
        for (int i = 0; i < 20; i++) {
            invalidClient(guess("intruder-" + i, "anything", attacker));
        }
        throttled(guess("intruder-20", "anything", attacker));
        // A real client's right secret waits there as well, and costs that client nothing: elsewhere it gets a token.
        throttled(guess(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT), attacker));
        guess(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT), freshAddress()).statusCode(200);

        assertEquals(20, count("SELECT count(*) FROM audit_event WHERE type = 'client-authentication' "
                + "AND address = '" + attacker + "' AND NOT (detail->>'knownClient')::boolean"));
    }

    @Test
    void parallelGuessesCannotSlipPastTheCount() throws Exception {
        String client = TestClients.GUESSED.get(2);
        // The common pool may have a single thread on a small machine: one thread per request makes them concurrent.
        ExecutorService guessers = Executors.newFixedThreadPool(16);
        List<CompletableFuture<Integer>> guesses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String secret = "parallel-guess-" + i;
            guesses.add(CompletableFuture.supplyAsync(() -> guess(client, secret, freshAddress()).extract()
                    .statusCode(), guessers));
        }
        int checked = 0;
        for (CompletableFuture<Integer> guess : guesses) {
            int status = guess.get();
            assertTrue(status == 401 || status == 429, "status " + status);
            checked += status == 401 ? 1 : 0;
        }
        guessers.shutdown();
        assertEquals(10, checked, "secrets checked; the client allows 10 failures");
    }

    @Test
    void successesAreNeverCounted() {
        String client = TestClients.GUESSED.get(3);
        String address = freshAddress();
        for (int i = 0; i < 25; i++) {
            guess(client, TestClients.secretOf(client), address).statusCode(200);
        }
        // All ten failures are still there to spend, though 25 tokens came out of this client and this address.
        for (int i = 0; i < 10; i++) {
            invalidClient(guess(client, "guess-" + i, address));
        }
        throttled(guess(client, "guess-10", address));
    }

    @Test
    void missingClientAuthenticationIsRefused() {
        invalidClient(given().formParam("grant_type", "client_credentials").when().post(TOKEN).then());
    }

    @Test
    void malformedBasicHeaderIsRefused() {
        invalidClient(given().header("Authorization", "Basic %%%not-base64")
                .formParam("grant_type", "client_credentials").when().post(TOKEN).then());
        invalidClient(given().header("Authorization", "Bearer something")
                .formParam("grant_type", "client_credentials").when().post(TOKEN).then());
    }

    @Test
    void otherGrantTypesAreUnsupported() {
        given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("grant_type", "password").formParam("username", "x").formParam("password", "y")
                .when().post(TOKEN)
                .then().statusCode(400)
                .body("error", equalTo("unsupported_grant_type"))
                .body("access_token", nullValue());
    }

    @Test
    void missingGrantTypeIsAnInvalidRequest() {
        given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("scope", "anything")
                .when().post(TOKEN)
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("access_token", nullValue());
    }

    @Test
    void usingTwoAuthenticationMethodsAtOnceIsAnInvalidRequest() {
        given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("grant_type", "client_credentials")
                .formParam("client_id", TestClients.OPS_TOOL)
                .formParam("client_secret", TestClients.secretOf(TestClients.OPS_TOOL))
                .when().post(TOKEN)
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("access_token", nullValue());
    }

    @Test
    void basicCredentialsAreFormDecoded() {
        // The secret is base64url and so needs no escaping; an escaped character must decode to itself.
        String escapedId = TestClients.PAYMENT.replace("-", "%2D");
        given().auth().preemptive().basic(escapedId, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("grant_type", "client_credentials")
                .when().post(TOKEN)
                .then().statusCode(200).body("access_token", not(nullValue()));
    }

    @Test
    void jsonBodyIsNotAcceptedAsAForm() {
        given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .contentType("application/json").body("{\"grant_type\":\"client_credentials\"}")
                .when().post(TOKEN)
                .then().statusCode(415).contentType("application/problem+json");
    }

    private static ValidatableResponse guess(String clientId, String secret, String forwardedFor) {
        return given().auth().preemptive().basic(clientId, secret).header("X-Forwarded-For", forwardedFor)
                .formParam("grant_type", "client_credentials").when().post(TOKEN).then();
    }

    /** 429 in the endpoint's own RFC 6749 shape, with the seconds until a try refills (tests refill once an hour). */
    private static void throttled(ValidatableResponse response) {
        String retryAfter = response.statusCode(429)
                .header("Cache-Control", "no-store")
                .body("error", equalTo("too_many_requests"))
                .body("access_token", nullValue())
                .extract().header("Retry-After");
        int seconds = Integer.parseInt(retryAfter);
        assertTrue(seconds >= 1 && seconds <= 3600, "Retry-After " + retryAfter);
    }

    private static void invalidClient(ValidatableResponse response) {
        response.statusCode(401)
                .header("WWW-Authenticate", equalTo("Basic realm=\"kessai\""))
                .header("Cache-Control", "no-store")
                .body("error", equalTo("invalid_client"))
                .body("access_token", nullValue());
    }

    private static String tokenForPayment() {
        return given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(TestClients.PAYMENT))
                .formParam("grant_type", "client_credentials")
                .when().post(TOKEN).then().statusCode(200).extract().path("access_token");
    }

    /** Verifies like a resource server: signature against the published JWKS, issuer, audience, expiry. */
    private static JwtConsumer verifierFromPublishedKeys() throws Exception {
        String jwks = given().when().get("/.well-known/jwks.json").then().statusCode(200).extract().asString();
        String issuer = given().when().get("/.well-known/openid-configuration").then().extract().path("issuer");
        return new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(new JsonWebKeySet(jwks).getJsonWebKeys()))
                .setExpectedIssuer(issuer)
                .setExpectedAudience("kessai")
                .setRequireExpirationTime()
                .setRequireSubject()
                .build();
    }

}
