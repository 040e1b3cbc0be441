package io.kessai.system;

import static io.kessai.system.StackMerchants.assertBalances;
import static io.kessai.system.StackMerchants.assertLedgerInvariantsHold;
import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.kessai.testing.DeviceKey;
import io.kessai.testing.DeviceProofRequests;
import io.kessai.testing.Eventually;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * 7pay's July 2019 attack, across the real processes. First the takeover itself: a thief with a victim's password but
 * not the victim's phone cannot sign in from a new device. Then the fraud 7pay suffered through accounts the attackers
 * controlled fully: a new device, a stolen card registered and topped up with ¥50,000, and at once ¥45,000 spent at a
 * shop. The payment is held for review (a step-up does not release it), ops see the decision with its reasons and
 * figures, freeze the account, deny the payment, and reverse the top-up exactly: the card's money goes back to where it
 * came from, and the ledger's invariants hold.
 */
@ExtendWith(RunningStack.class)
class SevenPayIT {

    /** The sandbox's card that approves (docs/payments.md, the sandbox cards). */
    private static final String STOLEN_CARD = "4000000000000101";
    private static final long TOP_UP = 50_000;
    private static final long SPEND = 45_000;

    @Test
    void aVictimsPasswordWithoutTheirPhoneDoesNotSignInFromANewDevice() throws Exception {
        StackUsers.User victim = StackUsers.customer();
        StackUsers.pastResendInterval(victim.phone()); // the victim's own sign-in just sent a code to the number
        String thiefAddress = "198.51.100.77";
        DeviceKey thiefKey = DeviceKey.generate();
        Map<String, String> signIn = Map.of("phone", victim.phone(), "password", StackUsers.PASSWORD, "deviceId",
                UUID.randomUUID().toString(), "deviceName", "not Hanako's phone");
        String challenge = DeviceProofRequests.send(thiefKey, "POST", url(Service.AUTH) + "/v1/sessions",
                proof -> given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", thiefAddress)
                        .header("DPoP", proof).contentType(ContentType.JSON).body(signIn).post("/v1/sessions"))
                .then().statusCode(202).body("accessToken", org.hamcrest.Matchers.nullValue())
                .extract().path("challengeId");
        // The code went to the victim's phone. Guessing it ends the challenge after five wrong codes, and then even a
        // right one would not pass.
        String path = "/v1/sessions/challenges/" + challenge;
        String lastType = null;
        for (int guess = 0; guess < 6; guess++) {
            String code = String.format("%06d", 111_111 * (guess % 9 + 1) % 1_000_000);
            lastType = DeviceProofRequests.send(thiefKey, "POST", url(Service.AUTH) + path,
                    proof -> given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", thiefAddress)
                            .header("DPoP", proof).contentType(ContentType.JSON)
                            .body(Map.of("method", "sms", "code", code)).post(path))
                    .then().statusCode(400).body("accessToken", org.hamcrest.Matchers.nullValue())
                    .extract().path("type");
        }
        assertTrue(lastType.endsWith("/challenge-ended") || lastType.endsWith("/code-attempts-exhausted"), lastType);
        // The victim's own session is untouched, and the victim's wallet can still be read with it.
        assertEquals(0, StackMerchants.customerBalance(victim));
    }

    @Test
    void aStolenCardsTopUpSpentAtOnceIsHeldOpsFreezeDenyAndReverseItExactly() throws Exception {
        StackUsers.User attacker = StackUsers.customer(); // a fully controlled account, on a device bound just now
        StackUsers.User owner = StackUsers.merchantOwner();
        StackMerchants.Merchant shop = StackMerchants.approved(owner, "Electronics Ikebukuro");
        String storePayload = given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                .get("/v1/merchants/" + shop.merchantId() + "/stores/" + shop.storeId() + "/code")
                .then().statusCode(200).extract().path("payload");

        // The attacker controls the phone too, so every step-up passes: the card is registered, the top-up made.
        String cardId = payment(StackUsers.stepUp(attacker)).body(Map.of("number", STOLEN_CARD, "expiryMonth", 12,
                "expiryYear", 2031, "cvc", "737")).post("/v1/cards").then().statusCode(201)
                .body("last4", equalTo("0101")).extract().path("id");
        String topUpKey = UUID.randomUUID().toString();
        String topUpId = payment(StackUsers.stepUp(attacker)).header("Idempotency-Key", topUpKey)
                .body(Map.of("cardId", cardId, "amount", yen(TOP_UP))).post("/v1/topups").then().statusCode(201)
                .body("status", equalTo("COMPLETED")).extract().path("topupId");
        assertBalances("after the stolen card's top-up", attacker, TOP_UP, shop, 0);

        // At once, most of it at a shop: held for review, with or without a step-up.
        String payKey = UUID.randomUUID().toString();
        Map<String, Object> pay = Map.of("payload", storePayload, "amount", yen(SPEND));
        String location = payment(attacker.accessToken()).header("Idempotency-Key", payKey).body(pay)
                .post("/v1/payments").then().statusCode(403)
                .body("type", equalTo("https://kessai.io/problems/held-for-review")).extract().header("Location");
        assertNotNull(location, "the held payment can be followed");
        String stepUp = StackUsers.stepUp(attacker);
        payment(stepUp).header("Idempotency-Key", payKey).body(pay).post("/v1/payments").then()
                .statusCode(403).body("type", equalTo("https://kessai.io/problems/held-for-review"));
        given().baseUri(url(Service.PAYMENT)).auth().oauth2(attacker.accessToken()).get(location).then()
                .statusCode(200).body("status", equalTo("HELD"));
        assertBalances("while the payment is held", attacker, TOP_UP, shop, 0);

        // Ops see why: the decision, its rule and the figures it used, and the payment on the review list.
        StackUsers.User operator = StackUsers.operator();
        JsonPath decisions = given().baseUri(url(Service.PAYMENT)).auth().oauth2(operator.accessToken())
                .queryParam("customerId", attacker.userId()).get("/v1/ops/risk/decisions").then().statusCode(200)
                .extract().jsonPath();
        String paymentId = location.substring(location.lastIndexOf('/') + 1);
        Map<String, Object> held = decisions.<Map<String, Object>>getList("items").stream()
                .filter(decision -> paymentId.equals(decision.get("movementId"))).findFirst().orElseThrow();
        assertEquals("STEP_UP", held.get("outcome"));
        assertEquals("open", held.get("review"));
        @SuppressWarnings("unchecked")
        Map<String, Object> pattern = ((List<Map<String, Object>>) held.get("reasons")).stream()
                .filter(reason -> "topup-then-spend".equals(reason.get("rule"))).findFirst().orElseThrow();
        assertEquals("held-for-review", pattern.get("code"));
        assertNotNull(pattern.get("figures"), "the figures the rule used");
        assertTrue(pattern.get("figures").toString().contains(String.valueOf(TOP_UP)), pattern.toString());
        String decisionId = (String) held.get("decisionId");
        given().baseUri(url(Service.PAYMENT)).auth().oauth2(operator.accessToken()).get("/v1/ops/risk/reviews")
                .then().statusCode(200).body("items.decisionId", hasItem(decisionId));

        // The attacker's phone also holds a payment key for offline codes, issued with that step-up (more SMS
        // step-ups to the number would be throttled).
        String keyId = payment(stepUp).post("/v1/payment-keys").then().statusCode(201)
                .extract().path("key.id");

        // Ops freeze the account (its wallet and payment-service follow through auth-service's outbox) and deny the
        // payment.
        given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", operator.address())
                .auth().oauth2(operator.accessToken()).contentType(ContentType.JSON)
                .body(Map.of("reason", "SEC-0719: stolen card top-up spent at once")).post("/v1/ops/users/"
                        + attacker.userId() + "/freeze")
                .then().statusCode(200).body("status", equalTo("frozen"));
        Eventually.until("the attacker's wallet is frozen", Duration.ofSeconds(60),
                () -> "frozen".equals(given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.PAYMENT))
                        .get("/v1/internal/accounts/customers/" + attacker.userId()).then().statusCode(200)
                        .extract().path("[0].status")));
        // payment-service was told too: the key is revoked at once, without waiting for one of its codes to arrive.
        Eventually.until("the attacker's payment key is revoked", Duration.ofSeconds(60),
                () -> "REVOKED".equals(payment(attacker.accessToken()).get("/v1/payment-keys").then().statusCode(200)
                        .extract().path("find { it.id == '" + keyId + "' }.status")));
        payment(attacker.accessToken()).get("/v1/payment-keys").then().statusCode(200)
                .body("find { it.id == '" + keyId + "' }.revokedReason", equalTo("user-frozen"));
        given().baseUri(url(Service.PAYMENT)).auth().oauth2(operator.accessToken()).contentType(ContentType.JSON)
                .body(Map.of("note", "SEC-0719")).post("/v1/ops/risk/reviews/" + decisionId + "/denial").then()
                .statusCode(200).body("review", equalTo("denied"));
        given().baseUri(url(Service.PAYMENT)).auth().oauth2(attacker.accessToken()).get(location).then()
                .statusCode(200).body("status", equalTo("FAILED")).body("failure.code", equalTo("risk-denied"));

        // The top-up is reversed exactly, by an operator who has just stepped up: the frozen wallet pays it back to
        // the funding clearing account it came from, and nothing else.
        String wallet = given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.PAYMENT))
                .get("/v1/internal/accounts/customers/" + attacker.userId()).then().statusCode(200)
                .extract().path("[0].id");
        String topUpTransfer = given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.PAYMENT))
                .queryParam("kind", "topup").get("/v1/internal/accounts/" + wallet + "/entries").then()
                .statusCode(200).body("items", org.hamcrest.Matchers.hasSize(1)).extract().path("items[0].transferId");
        given().baseUri(url(Service.WALLET)).auth().oauth2(StackUsers.stepUp(operator)).contentType(ContentType.JSON)
                .header("Idempotency-Key", "sec-0719-" + topUpId)
                .body(Map.of("reason", "SEC-0719: stolen card top-up returned")).post("/v1/ops/transfers/"
                        + topUpTransfer + "/reversals")
                .then().statusCode(201);
        assertEquals(0, walletBalance(wallet), "the stolen card's money is back where it came from");
        assertEquals(0, StackMerchants.merchantBalance(shop), "the shop got nothing");
        assertLedgerInvariantsHold();
    }

    private static io.restassured.specification.RequestSpecification payment(String token) {
        return given().baseUri(url(Service.PAYMENT)).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static long walletBalance(String wallet) {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.PAYMENT))
                .get("/v1/internal/accounts/" + wallet).then().statusCode(200).extract()
                .<Number>path("balance.amount").longValue();
    }

    private static Map<String, Object> yen(long amount) {
        return Map.of("amount", amount, "currency", "JPY");
    }
}
