package io.kessai.payment.payment;

import static io.kessai.payment.payment.PaymentFlowTest.as;
import static io.kessai.payment.payment.PaymentFlowTest.pay;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * What owners do besides applying (add and close stores, print a store's static code) and the listings of payments (a
 * customer's, a till's store's, an owner's merchant's) with cursors and filters; the same resources as
 * {@link PaymentFlowTest}, so one Quarkus start serves both.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class OwnersAndListingsTest {

    private static final String APPLICATION = """
            {"legalName": "有限会社みなと屋", "displayName": "みなと屋", "city": "Yokohama", "categoryCode": "5411",
             "stores": [{"name": "Motomachi"}, {"name": "Kannai"}]}""";

    /** An approved merchant's owner, its stores and a till of each. */
    record Owned(String owner, String merchantId, String storeA, String storeB, String tillA, String tillB) {
    }

    static Owned owned() {
        String owner = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        String id = as(owner).header("Idempotency-Key", UUID.randomUUID().toString()).body(APPLICATION)
                .post("/v1/merchants").then().statusCode(201).extract().path("id");
        JsonPath approved = as(TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops"))
                .post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200).extract().jsonPath();
        String storeA = approved.getString("stores[0].id");
        String storeB = approved.getString("stores[1].id");
        return new Owned(owner, id, storeA, storeB,
                TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, storeA, "A1"),
                TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, storeB, "B1"));
    }

    @Test
    void anOwnerPrintsEachStoresStaticCodeAndCustomersPayIt() {
        Owned shop = owned();
        String payload = as(shop.owner()).get("/v1/merchants/" + shop.merchantId() + "/stores/" + shop.storeB()
                + "/code").then().statusCode(200).body("storeId", Matchers.equalTo(shop.storeB()))
                .body("terminalId", Matchers.nullValue()).extract().path("payload");
        pay(PaymentFlowTest.customer(), UUID.randomUUID().toString(), payload, 450L).statusCode(201)
                .body("storeId", Matchers.equalTo(shop.storeB())).body("merchantName", Matchers.equalTo("みなと屋"));
        as(shop.owner()).get("/v1/merchants/" + shop.merchantId() + "/stores/" + shop.storeB() + "/code/qr.png").then()
                .statusCode(200).contentType("image/png");

        String stranger = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        expectProblem(as(stranger).get("/v1/merchants/" + shop.merchantId() + "/stores/" + shop.storeB() + "/code")
                .then(), 404, "merchant-not-found");
        expectProblem(as(shop.owner()).get("/v1/merchants/" + shop.merchantId() + "/stores/" + UUID.randomUUID()
                + "/code").then(), 404, "store-not-found");
        expectProblem(as(shop.tillA()).get("/v1/merchants/" + shop.merchantId() + "/stores/" + shop.storeA()
                + "/code").then(), 403, "forbidden");
    }

    @Test
    void anOwnerAddsAndClosesStoresAndAuthServiceLearnsEachChangeInOrder() {
        Owned shop = owned();
        String stores = "/v1/merchants/" + shop.merchantId() + "/stores";
        String added = as(shop.owner()).body(Map.of("name", "Chinatown")).post(stores).then().statusCode(201)
                .body("status", Matchers.equalTo("active")).extract().path("id");
        // A retry with the same name adds nothing.
        as(shop.owner()).body(Map.of("name", "Chinatown")).post(stores).then().statusCode(200)
                .header("Idempotent-Replayed", "true").body("id", Matchers.equalTo(added));
        as(shop.owner()).get("/v1/merchants/" + shop.merchantId()).then().body("stores", Matchers.hasSize(3))
                .body("version", Matchers.equalTo(3));
        String payload = as(shop.owner()).get(stores + "/" + added + "/code").then().statusCode(200).extract()
                .path("payload");
        pay(PaymentFlowTest.customer(), UUID.randomUUID().toString(), payload, 300L).statusCode(201);

        as(shop.owner()).post(stores + "/" + added + "/closure").then().statusCode(200)
                .body("stores.find { it.id == '" + added + "' }.status", Matchers.equalTo("closed"))
                .body("version", Matchers.equalTo(4));
        as(shop.owner()).post(stores + "/" + added + "/closure").then().statusCode(200)
                .body("version", Matchers.equalTo(4));
        expectProblem(pay(PaymentFlowTest.customer(), UUID.randomUUID().toString(), payload, 300L), 422,
                "merchant-unknown");
        expectProblem(as(shop.owner()).get(stores + "/" + added + "/code").then(), 404, "store-not-found");

        // auth-service is told each version (approval 2, store added 3, closed 4), in one ordered queue. (The test
        // issuer does not serve auth-service's internal API, so the calls wait in the outbox, where we read them.)
        List<String> statuses = new ArrayList<>();
        for (long version = 2; version <= 4; version++) {
            JsonPath holding = JsonPath.from(TestDatabase.queryText("SELECT body::text FROM kessai_outbox WHERE "
                    + "event_id = 'merchant-holding:" + shop.merchantId() + ":v" + version + "' AND ordering_key = "
                    + "'merchant-auth:" + shop.merchantId() + "'"));
            assertEquals(version, holding.getLong("version"));
            statuses.add(holding.getString("stores.find { it.storeId == '" + added + "' }.status"));
        }
        assertEquals(Arrays.asList(null, "active", "closed"), statuses);
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM store WHERE id = '" + added + "' AND status = "
                + "'closed'"));

        String stranger = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        expectProblem(as(stranger).body(Map.of("name", "Mine")).post(stores).then(), 404, "merchant-not-found");
        expectProblem(as(stranger).post(stores + "/" + added + "/closure").then(), 404, "merchant-not-found");
        expectProblem(as(shop.tillA()).body(Map.of("name", "Mine")).post(stores).then(), 403, "forbidden");
        expectProblem(as(shop.owner()).post(stores + "/" + UUID.randomUUID() + "/closure").then(), 404,
                "store-not-found");
        expectProblem(as(shop.owner()).body(Map.of("name", "")).post(stores).then(), 400, "validation-failed");
    }

    @Test
    void everyoneListsOnlyTheirOwnPaymentsNewestFirstPageByPage() {
        Owned shop = owned();
        String codeA = as(shop.tillA()).get("/v1/store-code").then().statusCode(200).extract().path("payload");
        String codeB = as(shop.tillB()).get("/v1/store-code").then().statusCode(200).extract().path("payload");
        String customer = PaymentFlowTest.customer();
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            made.add(pay(customer, UUID.randomUUID().toString(), codeA, 100L + i).statusCode(201).extract()
                    .path("paymentId"));
        }
        String atB = pay(PaymentFlowTest.customer(), UUID.randomUUID().toString(), codeB, 999L).statusCode(201)
                .extract().path("paymentId");

        // The customer's, two to a page, newest first, and nobody else's.
        JsonPath first = as(customer).queryParam("limit", 2).get("/v1/payments").then().statusCode(200).extract()
                .jsonPath();
        assertEquals(List.of(made.get(2), made.get(1)), first.getList("items.paymentId"));
        String cursor = first.getString("nextCursor");
        assertNotNull(cursor);
        JsonPath second = as(customer).queryParam("limit", 2).queryParam("cursor", cursor).get("/v1/payments").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of(made.get(0)), second.getList("items.paymentId"));
        assertNull(second.getString("nextCursor"));
        assertTrue(second.getMap("").containsKey("nextCursor"), "null on the last page, as every list");

        // A till sees its store's; the owner sees all, or one store's.
        assertEquals(List.of(atB), as(shop.tillB()).get("/v1/merchant/payments").then().statusCode(200).extract()
                .jsonPath().getList("items.paymentId"));
        assertEquals(List.of(made.get(2), made.get(1), made.get(0)), as(shop.tillA()).get("/v1/merchant/payments")
                .then().statusCode(200).extract().jsonPath().getList("items.paymentId"));
        String base = "/v1/merchants/" + shop.merchantId() + "/payments";
        assertEquals(4, as(shop.owner()).get(base).then().statusCode(200).extract().jsonPath().getList("items").size());
        assertEquals(List.of(atB), as(shop.owner()).queryParam("storeId", shop.storeB()).get(base).then()
                .statusCode(200).extract().jsonPath().getList("items.paymentId"));

        // By time: [from, to).
        TestDatabase.execute("UPDATE payment SET created_at = now() - interval '2 days' WHERE id = '" + made.get(0)
                + "'");
        String yesterday = OffsetDateTime.now().minusDays(1).toString();
        assertEquals(List.of(made.get(0)), as(shop.owner()).queryParam("to", yesterday).get(base).then()
                .statusCode(200).extract().jsonPath().getList("items.paymentId"));
        assertEquals(List.of(made.get(1), made.get(2)).reversed(), as(shop.tillA()).queryParam("from", yesterday)
                .get("/v1/merchant/payments").then().statusCode(200).extract().jsonPath().getList("items.paymentId"));

        // Someone else's merchant, and bad parameters.
        String stranger = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        expectProblem(as(stranger).get(base).then(), 404, "merchant-not-found");
        expectProblem(as(shop.tillA()).get(base).then(), 403, "forbidden");
        expectProblem(as(customer).get("/v1/merchant/payments").then(), 403, "forbidden");
        expectProblem(as(customer).queryParam("cursor", "not-a-cursor").get("/v1/payments").then(), 400,
                "invalid-cursor");
        expectProblem(as(customer).queryParam("limit", 0).get("/v1/payments").then(), 400, "validation-failed");
        expectProblem(as(customer).queryParam("limit", 101).get("/v1/payments").then(), 400, "validation-failed");
        expectProblem(as(shop.owner()).queryParam("from", "yesterday").get(base).then(), 400, "validation-failed");
        expectProblem(as(shop.owner()).queryParam("storeId", "x").get(base).then(), 400, "validation-failed");
        expectProblem(as(shop.owner()).queryParam("from", yesterday).queryParam("to", yesterday).get(base).then(), 400,
                "validation-failed");
    }
}
