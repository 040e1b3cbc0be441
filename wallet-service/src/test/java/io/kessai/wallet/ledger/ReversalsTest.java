package io.kessai.wallet.ledger;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.leg;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.post;
import static io.kessai.wallet.WalletApi.systemAccount;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.transfer;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.kessai.wallet.WalletApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class ReversalsTest {

    String alice;
    String shop;
    String fees;

    @BeforeEach
    void accounts() {
        alice = openCustomer(unique("alice"));
        shop = openMerchant(unique("shop"));
        fees = systemAccount("fees");
        topUp(alice, 10_000);
    }

    static ValidatableResponse reverse(String transferId, Object body) {
        return reverse(transferId, UUID.randomUUID().toString(), body);
    }

    static ValidatableResponse reverse(String transferId, String key, Object body) {
        return asService().header("Idempotency-Key", key).body(body)
                .post("/v1/internal/transfers/" + transferId + "/reversals").then();
    }

    @Test
    void aFullReversalReturnsEverythingWithNewEntriesReferencingTheOriginal() {
        String payment = move("payment", alice, shop, 3_000).statusCode(201).extract().path("id");
        reverse(payment, Map.of("reference", "cancelled order")).statusCode(201)
                .body("kind", equalTo("reversal"))
                .body("reverses", equalTo(payment))
                .body("legs[0].from", equalTo(shop))
                .body("legs[0].to", equalTo(alice))
                .body("legs[0].amount", equalTo(3000));
        assertEquals(10_000, balance(alice));
        assertEquals(0, balance(shop));
        // The original's entries are untouched: a reversal adds, it never edits.
        asService().get("/v1/internal/transfers/" + payment).then().statusCode(200)
                .body("entries[0].amount", equalTo(-3000));
        expectProblem(reverse(payment, Map.of()), 422, "reversal-exceeds-original");
    }

    @Test
    void partialReversalsNeverAddUpToMoreThanTheOriginal() {
        String payment = move("payment", alice, shop, 3_000).statusCode(201).extract().path("id");
        reverse(payment, Map.of("amount", 1_000)).statusCode(201);
        reverse(payment, Map.of("amount", 1_500)).statusCode(201);
        expectProblem(reverse(payment, Map.of("amount", 501)), 422, "reversal-exceeds-original");
        assertEquals(9_500, balance(alice));
        reverse(payment, Map.of()).statusCode(201).body("legs[0].amount", equalTo(500));
        assertEquals(10_000, balance(alice));
        assertEquals(0, balance(shop));
    }

    @Test
    void chosenLegsOfASplitPaymentCanBeReversed() {
        String payment = post(UUID.randomUUID().toString(),
                transfer("payment", List.of(leg(alice, shop, 970), leg(alice, fees, 30)))).statusCode(201)
                .extract().path("id");
        expectProblem(reverse(payment, Map.of("amount", 100)), 400, "validation-failed");
        reverse(payment, Map.of("legs", List.of(Map.of("leg", 0, "amount", 485), Map.of("leg", 1, "amount", 15))))
                .statusCode(201).body("legs.size()", equalTo(2));
        assertEquals(9_500, balance(alice));
        assertEquals(485, balance(shop));
        expectProblem(reverse(payment, Map.of("legs", List.of(Map.of("leg", 1, "amount", 16)))), 422,
                "reversal-exceeds-original");
        expectProblem(reverse(payment, Map.of("legs", List.of(Map.of("leg", 2, "amount", 1)))), 400,
                "validation-failed");
        expectProblem(reverse(payment, Map.of("legs", List.of(Map.of("leg", 0, "amount", 0)))), 400,
                "invalid-amount");
    }

    @Test
    void aReversalIsIdempotentOnItsKey() {
        String payment = move("payment", alice, shop, 3_000).statusCode(201).extract().path("id");
        String key = UUID.randomUUID().toString();
        String first = reverse(payment, key, Map.of("amount", 1_000)).statusCode(201).extract().asString();
        String again = reverse(payment, key, Map.of("amount", 1_000)).statusCode(201)
                .header("Idempotent-Replayed", "true").extract().asString();
        assertEquals(first, again);
        expectProblem(reverse(payment, key, Map.of("amount", 999)), 422, "idempotency-key-reused");
        assertEquals(8_000, balance(alice));
    }

    @Test
    void aReversalCannotTakeMoneyTheMerchantNoLongerHas() {
        String payment = move("payment", alice, shop, 3_000).statusCode(201).extract().path("id");
        String other = openCustomer(unique("other"));
        move("refund", shop, other, 2_500).statusCode(201);
        expectProblem(reverse(payment, Map.of()), 422, "insufficient-funds");
        assertEquals(7_000, balance(alice));
        assertEquals(500, balance(shop));
    }

    @Test
    void reversalsOfReversalsUnknownOrForeignTransfersAreRefused() {
        String payment = move("payment", alice, shop, 3_000).statusCode(201).extract().path("id");
        String reversal = reverse(payment, Map.of()).statusCode(201).extract().path("id");
        expectProblem(reverse(reversal, Map.of()), 422, "not-reversible");
        expectProblem(reverse(UUID.randomUUID().toString(), Map.of()), 404, "transfer-not-found");

        String second = move("payment", alice, shop, 100).statusCode(201).extract().path("id");
        expectProblem(given().auth().oauth2(WalletApi.peerToken())
                .contentType(ContentType.JSON).header("Idempotency-Key", UUID.randomUUID().toString()).body(Map.of())
                .post("/v1/internal/transfers/" + second + "/reversals").then(), 404, "transfer-not-found");
        assertEquals(100, balance(shop));
    }
}
