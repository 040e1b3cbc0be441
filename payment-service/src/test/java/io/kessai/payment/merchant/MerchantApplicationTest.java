package io.kessai.payment.merchant;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.qr.MpmCodec;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * A merchant owner applies, ops review: the application is idempotent under its key, checked by the QR code's own
 * rules, visible to its owner alone, and approval opens the merchant's ledger account through the outbox, once.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
class MerchantApplicationTest {

    private static final String APPLICATION = """
            {"legalName": "株式会社かもめ食堂", "displayName": "かもめ食堂", "city": "Tokyo", "categoryCode": "5812",
             "stores": [{"name": "Shibuya"}, {"name": "Ebisu"}]}""";

    static RequestSpecification as(String subject, String... roles) {
        return given().auth().oauth2(TestIssuer.tokens().token(subject, roles)).contentType(ContentType.JSON);
    }

    static String owner() {
        return "owner-" + UUID.randomUUID();
    }

    static String apply(String owner) {
        return as(owner, "merchant").header("Idempotency-Key", UUID.randomUUID().toString()).body(APPLICATION)
                .post("/v1/merchants").then().statusCode(201).extract().path("id");
    }

    static long count(String sql) {
        return TestDatabase.count(sql);
    }

    @Inject
    MpmCodec codec;

    @Test
    void theServicesQrCodecCarriesTheConfiguredGuid() {
        assertEquals("io.kessai", codec.guid());
    }

    @Test
    void anApplicationIsPendingReviewWithItsStoresInOrder() {
        String owner = owner();
        String key = UUID.randomUUID().toString();
        String id = as(owner, "merchant").header("Idempotency-Key", key).body(APPLICATION).post("/v1/merchants")
                .then().statusCode(201)
                .body("status", equalTo("pending_review"))
                .body("ownerId", equalTo(owner))
                .body("displayName", equalTo("かもめ食堂"))
                .body("categoryCode", equalTo("5812"))
                .body("stores.name", equalTo(List.of("Shibuya", "Ebisu")))
                .body("reviewedAt", nullValue())
                .extract().path("id");
        assertEquals(1, count("SELECT count(*) FROM merchant WHERE id = '" + id + "' AND status = 'pending_review'"));
        assertEquals(2, count("SELECT count(*) FROM store WHERE merchant_id = '" + id + "'"));
        as(owner, "merchant").get("/v1/merchants").then().statusCode(200).body("id", equalTo(List.of(id)));
    }

    @Test
    void aRetryUnderTheSameKeyAnswersTheFirstApplicationAndADifferentBodyIsRefused() {
        String owner = owner();
        String key = UUID.randomUUID().toString();
        String id = as(owner, "merchant").header("Idempotency-Key", key).body(APPLICATION).post("/v1/merchants")
                .then().statusCode(201).extract().path("id");
        as(owner, "merchant").header("Idempotency-Key", key).body(APPLICATION).post("/v1/merchants")
                .then().statusCode(200).header("Idempotent-Replayed", "true").body("id", equalTo(id));
        expectProblem(as(owner, "merchant").header("Idempotency-Key", key)
                .body(APPLICATION.replace("Tokyo", "Osaka")).post("/v1/merchants").then(), 422,
                "idempotency-key-reused");
        expectProblem(as(owner, "merchant").body(APPLICATION).post("/v1/merchants").then(), 400,
                "missing-idempotency-key");
        assertEquals(1, count("SELECT count(*) FROM merchant WHERE owner_id = '" + owner + "'"));
    }

    @Test
    void namesThatCannotBePrintedInTheQrCodeAreRefusedAndNothingIsStored() {
        String owner = owner();
        // 26 characters for tag 59 (at most 25), 16 for tag 60 (at most 15), a control character, an MCC of 3 digits.
        for (String[] field : List.of(new String[]{"displayName", "\"displayName\": \"" + "あ".repeat(26) + "\""},
                new String[]{"city", "\"city\": \"" + "x".repeat(16) + "\""},
                new String[]{"displayName", "\"displayName\": \"Kamome\\u0007\""},
                new String[]{"categoryCode", "\"categoryCode\": \"581\""},
                new String[]{"stores", "\"stores\": []"})) {
            String body = APPLICATION.replaceFirst("\"" + field[0] + "\": (\"[^\"]*\"|\\[[^\\]]*\\])",
                    Matcher.quoteReplacement(field[1]));
            assertTrue(body.contains(field[1]), body);
            expectProblem(as(owner, "merchant").header("Idempotency-Key", UUID.randomUUID().toString()).body(body)
                    .post("/v1/merchants").then().log().ifValidationFails(), 400, "validation-failed")
                    .body("errors.field", hasItem(equalTo(field[0])));
        }
        // 25 characters outside the BMP count 25, as the QR payload counts them (UTF-16 would count 50).
        as(owner, "merchant").header("Idempotency-Key", UUID.randomUUID().toString())
                .body(APPLICATION.replace("かもめ食堂", "𠮷".repeat(25))).post("/v1/merchants").then().statusCode(201);
        assertEquals(1, count("SELECT count(*) FROM merchant WHERE owner_id = '" + owner + "'"));
    }

    @Test
    void anotherOwnersMerchantIsNotFoundAndOtherRolesAreRefused() {
        String id = apply(owner());
        expectProblem(as(owner(), "merchant").get("/v1/merchants/" + id).then(), 404, "merchant-not-found");
        expectProblem(as(owner(), "customer").header("Idempotency-Key", "k").body(APPLICATION)
                .post("/v1/merchants").then(), 403, "forbidden");
        expectProblem(as(owner(), "merchant").post("/v1/ops/merchants/" + id + "/approval").then(), 403, "forbidden");
        expectProblem(given().get("/v1/merchants").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().tokenSignedByStranger(owner(), "merchant"))
                .get("/v1/merchants").then(), 401, "unauthorized");
        assertEquals("pending_review", TestDatabase.queryText("SELECT status FROM merchant WHERE id = '" + id + "'"));
    }

    @Test
    void approvalActivatesTheMerchantAndOpensItsLedgerAccountOnce() {
        String owner = owner();
        String id = apply(owner);
        as("operator-1", "ops").get("/v1/ops/merchants").then().statusCode(200).body("id", hasItem(id));
        as("operator-1", "ops").post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200)
                .body("status", equalTo("active")).body("reviewedAt", not(nullValue()));
        // A retried approval answers the merchant as it is and queues nothing more.
        as("operator-1", "ops").post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200)
                .body("status", equalTo("active"));
        assertEquals("operator-1", TestDatabase.queryText("SELECT reviewed_by FROM merchant WHERE id = '" + id + "'"));
        Eventually.until("wallet-service to be asked to open the merchant's account", Duration.ofSeconds(30),
                () -> FakeNotificationService.merchantAccounts().stream().anyMatch(body -> body.contains(id)));
        List<String> openings = FakeNotificationService.merchantAccounts().stream().filter(body -> body.contains(id))
                .toList();
        assertEquals(1, openings.size(), openings.toString());
        JsonPath opening = JsonPath.from(openings.getFirst());
        assertEquals(id, opening.getString("merchantId"));
        assertEquals(16, opening.getInt("subAccounts"));
        Eventually.until("the delivered opening to leave the outbox", Duration.ofSeconds(30),
                () -> count("SELECT count(*) FROM kessai_outbox WHERE event_id = 'merchant-account:" + id + "'") == 0);
        as(owner, "merchant").get("/v1/merchants/" + id).then().statusCode(200).body("status", equalTo("active"));
        // An approved merchant cannot be rejected afterwards.
        expectProblem(as("operator-1", "ops").body("{\"reason\": \"late\"}")
                .post("/v1/ops/merchants/" + id + "/rejection").then(), 409, "merchant-not-pending");
    }

    @Test
    void rejectionKeepsTheReasonForTheOwnerAndOpensNoAccount() {
        String owner = owner();
        String id = apply(owner);
        expectProblem(as("operator-2", "ops").body("{\"reason\": \"\"}").post("/v1/ops/merchants/" + id + "/rejection")
                .then(), 400, "validation-failed");
        as("operator-2", "ops").body("{\"reason\": \"The legal name does not match the registry.\"}")
                .post("/v1/ops/merchants/" + id + "/rejection").then().statusCode(200)
                .body("status", equalTo("rejected"));
        as(owner, "merchant").get("/v1/merchants/" + id).then().statusCode(200)
                .body("rejectionReason", equalTo("The legal name does not match the registry."));
        expectProblem(as("operator-2", "ops").post("/v1/ops/merchants/" + id + "/approval").then(), 409,
                "merchant-not-pending");
        assertEquals(0, count("SELECT count(*) FROM kessai_outbox WHERE event_id = 'merchant-account:" + id + "'"));
        assertTrue(FakeNotificationService.merchantAccounts().stream().noneMatch(body -> body.contains(id)));
        expectProblem(as("operator-2", "ops").post("/v1/ops/merchants/" + UUID.randomUUID() + "/approval").then(), 404,
                "merchant-not-found");
        expectProblem(as("operator-2", "ops").get("/v1/ops/merchants?status=closed").then(), 400,
                "validation-failed");
    }
}
