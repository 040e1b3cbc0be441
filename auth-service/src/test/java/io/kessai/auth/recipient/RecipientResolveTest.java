package io.kessai.auth.recipient;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * {@code POST /v1/internal/users/resolve}: an active customer's number answers their id and both masked numbers;
 * every other number answers one identical 404; only a token with {@code auth:users.resolve}; limited per client;
 * every lookup audited.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class RecipientResolveTest {

    private static final String PATH = "/v1/internal/users/resolve";

    private static ValidatableResponse resolve(String token, String phone, String senderId) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("phone", phone, "senderId", senderId)).post(PATH).then();
    }

    private static ValidatableResponse resolve(String phone, String senderId) {
        return resolve(TestClients.token(TestClients.PAYMENT), phone, senderId);
    }

    /** The body of a refusal without what differs per request, to compare two refusals. */
    private static String refusal(ValidatableResponse response) {
        return expectProblem(response, 404, "recipient-unavailable").extract().jsonPath().getMap("").entrySet()
                .stream().filter(e -> !"instance".equals(e.getKey())).map(Object::toString).sorted().toList()
                .toString();
    }

    @Test
    void anActiveCustomersNumberAsTypedResolvesToThemWithBothNumbersMasked() {
        User sender = TestUsers.registered();
        User recipient = TestUsers.registered();
        resolve(recipient.phone().typed(), sender.id().toString()).statusCode(200)
                .body("userId", equalTo(recipient.id().toString()))
                .body("recipientName", equalTo(PhoneNumbers.masked(recipient.phone().e164())))
                .body("senderName", equalTo(PhoneNumbers.masked(sender.phone().e164())));
        // International form, with spaces: the same customer.
        String international = "+81 " + recipient.phone().e164().substring(3);
        resolve(international, sender.id().toString()).statusCode(200)
                .body("userId", equalTo(recipient.id().toString()));
        assertEquals(2, count("SELECT count(*) FROM audit_event WHERE type = 'recipient-resolve' AND outcome = "
                + "'success' AND user_id = '" + recipient.id() + "' AND actor = 'payment-service' AND detail->>"
                + "'senderId' = '" + sender.id() + "'"), "both lookups audited with client and sender");
    }

    @Test
    void aMaskedNumberShowsTheFirstThreeAndLastFourDigits() {
        assertEquals("090-****-5678", PhoneNumbers.masked("+819012345678"));
    }

    @Test
    void unknownFrozenMerchantAndUnconfirmedNumbersAllGetTheSameAnswer() {
        String sender = TestUsers.registered().id().toString();
        String unknown = refusal(resolve(Phone.fresh().typed(), sender));

        User frozen = TestUsers.registered();
        execute("UPDATE app_user SET status = 'frozen' WHERE id = '" + frozen.id() + "'");
        User owner = TestUsers.merchantOwner();
        Phone unconfirmed = Phone.fresh();
        given().contentType(ContentType.JSON).header("X-Forwarded-For", TestUsers.freshAddress())
                .body(Map.of("phone", unconfirmed.typed(), "password", TestUsers.PASSWORD)).post("/v1/registrations")
                .then().statusCode(202);
        assertEquals("pending", queryText("SELECT status FROM app_user WHERE phone_e164 = '" + unconfirmed.e164()
                + "'"));

        assertEquals(unknown, refusal(resolve(frozen.phone().typed(), sender)), "frozen");
        assertEquals(unknown, refusal(resolve(owner.phone().typed(), sender)), "merchant owner");
        assertEquals(unknown, refusal(resolve(unconfirmed.typed(), sender)), "not activated");
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'recipient-resolve' AND outcome = "
                + "'refused' AND phone_e164 = '" + frozen.phone().e164() + "' AND user_id IS NULL"));
    }

    @Test
    void aNumberThatIsNoMobileNumberIsBadInput() {
        expectProblem(resolve("03-1234-5678", UUID.randomUUID().toString()), 400, "invalid-phone-number");
        expectProblem(given().auth().oauth2(TestClients.token(TestClients.PAYMENT)).contentType(ContentType.JSON)
                .body("{\"phone\":").post(PATH).then(), 400, "malformed-body");
        expectProblem(given().auth().oauth2(TestClients.token(TestClients.PAYMENT)).contentType(ContentType.JSON)
                .body(Map.of("phone", "090-1234-5678")).post(PATH).then(), 400, "validation-failed");
        expectProblem(resolve("0".repeat(33), "x"), 400, "validation-failed");
    }

    @Test
    void onlyATokenWithTheScopeMayResolve() {
        given().contentType(ContentType.JSON).body(Map.of("phone", "090-1234-5678", "senderId", "x")).post(PATH)
                .then().statusCode(401);
        // The ops tool is a client without the scope; a customer's session is no client at all.
        expectProblem(resolve(TestClients.token(TestClients.OPS_TOOL), "090-1234-5678", "x"), 403, "forbidden");
        User customer = TestUsers.registered();
        String session = TestUsers.signedIn(customer, "device-" + UUID.randomUUID()).getString("accessToken");
        expectProblem(resolve(session, customer.phone().typed(), "x"), 403, "forbidden");
        given().auth().oauth2("not.a.token").contentType(ContentType.JSON)
                .body(Map.of("phone", "090-1234-5678", "senderId", "x")).post(PATH).then().statusCode(401);
    }

    @Test
    void aClientThatResolvedTooManyIsRefusedWithRetryAfter() {
        String token = TestClients.token(TestClients.RESOLVER);
        String sender = UUID.randomUUID().toString();
        for (int i = 0; i < 20; i++) {
            resolve(token, Phone.fresh().typed(), sender).statusCode(404);
        }
        expectProblem(resolve(token, Phone.fresh().typed(), sender), 429, "too-many-requests")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }
}
