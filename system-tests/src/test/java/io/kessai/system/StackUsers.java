package io.kessai.system;

import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kessai.stack.Service;
import io.kessai.testing.DeviceKey;
import io.kessai.testing.DeviceProofRequests;
import io.kessai.testing.Eventually;
import io.restassured.http.ContentType;

/**
 * People of a journey, signed up through the running auth-service as the apps sign them up: a new phone number, the
 * SMS code read from the dev inbox, then a sign-in from a new phone with its device key and the SMS code as second
 * factor. Each person calls from an address of its own (the local stack trusts X-Forwarded-For from loopback), so that
 * journeys do not share the per-address limits of sign-ups and sign-ins.
 */
final class StackUsers {

    static final String PASSWORD = "tsukemen-at-lunch-4";

    private static final Pattern CODE = Pattern.compile("Kessai code: (\\d{6})");
    private static final AtomicInteger NEXT_ADDRESS = new AtomicInteger();

    /** A signed-in person: the user id, the phone in E.164, its client address and a session access token. */
    record User(String userId, String phone, String address, String accessToken) {
    }

    private StackUsers() {
    }

    /** A customer: registered, active (auth-service's outbox opens the wallet), signed in with the second factor. */
    static User customer() {
        User customer = signUp("customer", "+8180");
        Eventually.until("the wallet of " + customer.userId() + " is opened through auth-service's outbox",
                Duration.ofSeconds(60), () -> ((List<?>) given().baseUri(url(Service.WALLET))
                        .auth().oauth2(serviceToken(Service.PAYMENT))
                        .get("/v1/internal/accounts/customers/" + customer.userId())
                        .then().statusCode(200).extract().path("$")).size() == 1);
        return customer;
    }

    /** A merchant owner ({@code accountType: merchant}): the same phone and second-factor rules, no wallet. */
    static User merchantOwner() {
        return signUp("merchant", "+8170");
    }

    /**
     * A step-up token of the user's session through the SMS path (5 minutes), as an app gets one before a sensitive
     * action.
     */
    static String stepUp(User user) throws SQLException {
        pastResendInterval(user.phone());
        long before = lastInboxId(user.phone());
        String challenge = given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", user.address())
                .auth().oauth2(user.accessToken()).post("/v1/step-up/sms")
                .then().statusCode(202).extract().path("challengeId");
        String code = awaitCodeAfter(user.phone(), before);
        return given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", user.address())
                .auth().oauth2(user.accessToken()).contentType(ContentType.JSON)
                .body(Map.of("method", "sms", "code", code, "challengeId", challenge)).post("/v1/step-up")
                .then().statusCode(201).body("acr", equalTo("step-up")).extract().path("accessToken");
    }

    /**
     * The stack's operator ({@link RunningStack#OPERATOR_ID}), signed in with the second factor: made once, as a
     * deployment provisions its operators (an account whose id the configuration lists), here by copying a registered
     * customer's account under the operator's id and a phone of its own.
     */
    static synchronized User operator() throws SQLException {
        String phone = operatorPhone;
        if (phone == null) {
            User template = signUp("customer", "+8180");
            phone = TestPhones.next("+8180");
            try (Connection auth = authDatabase();
                    PreparedStatement copy = auth.prepareStatement("INSERT INTO app_user (id, phone_e164, "
                            + "password_hash, status, activated_at, account_type, locale) SELECT ?::uuid, ?, "
                            + "password_hash, status, now(), account_type, locale FROM app_user WHERE id = ?::uuid")) {
                copy.setString(1, RunningStack.OPERATOR_ID);
                copy.setString(2, phone);
                copy.setString(3, template.userId());
                copy.executeUpdate();
            }
            operatorPhone = phone;
        }
        String address = "203.0.113." + (1 + NEXT_ADDRESS.getAndIncrement() % 254);
        return new User(RunningStack.OPERATOR_ID, phone, address, signIn(phone, address));
    }

    private static String operatorPhone;

    private static Connection authDatabase() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + RunningStack.stack().postgresPort() + "/"
                + Service.AUTH.database(), "postgres", "");
    }

    private static User signUp(String accountType, String prefix) {
        String phone = TestPhones.next(prefix);
        String address = "203.0.113." + (1 + NEXT_ADDRESS.getAndIncrement() % 254);
        String registration = given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", address)
                .contentType(ContentType.JSON)
                .body(Map.of("phone", phone, "password", PASSWORD, "locale", "en", "accountType", accountType))
                .post("/v1/registrations").then().statusCode(202).extract().path("registrationId");
        String userId = given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", address)
                .contentType(ContentType.JSON).body(Map.of("code", awaitCodeAfter(phone, 0)))
                .post("/v1/registrations/" + registration + "/confirm")
                .then().statusCode(200).body("status", equalTo("active")).extract().path("userId");

        return new User(userId, phone, address, signIn(phone, address));
    }

    /**
     * Signs in from a new phone: the password alone is not enough, the SMS code binds the device to its key; the
     * session's access token.
     */
    private static String signIn(String phone, String address) {
        long before = lastInboxId(phone);
        DeviceKey key = DeviceKey.generate();
        Map<String, String> signIn = Map.of("phone", phone, "password", PASSWORD, "deviceId",
                UUID.randomUUID().toString(), "deviceName", "Hanako's phone");
        String challenge = DeviceProofRequests.send(key, "POST", url(Service.AUTH) + "/v1/sessions",
                proof -> given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", address).header("DPoP", proof)
                        .contentType(ContentType.JSON).body(signIn).post("/v1/sessions"))
                .then().statusCode(202).body("smsSent", equalTo(true)).extract().path("challengeId");
        String code = awaitCodeAfter(phone, before);
        String path = "/v1/sessions/challenges/" + challenge;
        String accessToken = DeviceProofRequests.send(key, "POST", url(Service.AUTH) + path,
                proof -> given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", address).header("DPoP", proof)
                        .contentType(ContentType.JSON).body(Map.of("method", "sms", "code", code)).post(path))
                .then().statusCode(201).extract().path("accessToken");
        return accessToken;
    }

    /** The code of the first one-time-code SMS to {@code phone} after the message {@code previousId} (0: any). */
    private static String awaitCodeAfter(String phone, long previousId) {
        AtomicReference<String> code = new AtomicReference<>();
        Eventually.until("a one-time code to " + phone + " after message #" + previousId, Duration.ofSeconds(60),
                () -> {
                    for (Map<String, Object> message : inbox(phone)) { // newest first: the last match is the next
                        Matcher found = CODE.matcher((String) message.get("body"));
                        if (((Number) message.get("id")).longValue() > previousId && found.find()) {
                            code.set(found.group(1));
                        }
                    }
                    return code.get() != null;
                });
        return code.get();
    }

    private static long lastInboxId(String phone) {
        return inbox(phone).stream().mapToLong(message -> ((Number) message.get("id")).longValue()).max().orElse(0);
    }

    private static List<Map<String, Object>> inbox(String phone) {
        return given().baseUri(url(Service.NOTIFICATION)).auth().oauth2(serviceToken(Service.AUTH))
                .queryParam("recipient", phone).queryParam("limit", 100).get("/v1/dev/inbox")
                .then().statusCode(200).extract().path("$");
    }

    /**
     * Ages the number's codes past the 30 s between two codes to one number, so that the next code goes out at once,
     * as the auth tests do: a journey does not wait half a minute for it.
     */
    static void pastResendInterval(String phone) throws SQLException {
        try (Connection auth = authDatabase();
                PreparedStatement age = auth.prepareStatement("UPDATE otp_challenge SET created_at = created_at "
                        + "- interval '31 seconds' WHERE destination = ?")) {
            age.setString(1, phone);
            age.executeUpdate();
        }
    }
}
