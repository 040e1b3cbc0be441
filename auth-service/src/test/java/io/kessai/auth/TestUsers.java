package io.kessai.auth;

import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;

import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.kessai.auth.security.ClientAddress;
import io.kessai.auth.totp.Totp;
import io.kessai.testing.TestDatabase;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

/**
 * Users made through the public API, what tests read back of the messages sent to them, and the fresh numbers,
 * addresses and wrong codes tests need.
 */
public final class TestUsers {

    public static final String PASSWORD = "tsukemen-at-lunch-4";

    private TestUsers() {
    }

    /**
     * Where the fresh numbers and addresses of this test run come from: one counter from a random start, so that no two
     * are ever the same (random picks collide: a thousand addresses drawn from 10.0.0.0/8 share one in about 3% of
     * runs, and two tests then share a bucket or a lockout). Consecutive values stay distinct modulo the size of each
     * range as long as fewer values than that are drawn.
     */
    private static final AtomicLong NEXT = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 48));

    /** A fresh Japanese mobile number, in national form as a customer types it, and its E.164 form. */
    public record Phone(String typed, String e164) {

        /** 90 million numbers, 090-1000-0000 to 090-9999-9999; never one handed out before in this test run. */
        public static Phone fresh() {
            long subscriber = 10_000_000 + NEXT.getAndIncrement() % 90_000_000;
            return new Phone("090-" + subscriber / 10_000 + "-" + String.format("%04d", subscriber % 10_000),
                    "+8190" + subscriber);
        }
    }

    /** An active user: registered and confirmed through the API. */
    public record User(UUID id, Phone phone, String password) {
    }

    public static User registered() {
        Phone phone = Phone.fresh();
        String registration = given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("phone", phone.typed(), "password", PASSWORD)).post("/v1/registrations").then()
                .statusCode(202).extract().path("registrationId");
        String userId = given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("code", sentCode(phone.e164()).getJsonObject("data").getString("code")))
                .post("/v1/registrations/" + registration + "/confirm").then().statusCode(200).extract()
                .path("userId");
        return new User(UUID.fromString(userId), phone, PASSWORD);
    }

    /** A user signed in on a new device with the SMS code: the session's JSON. */
    public static JsonObject signedIn(User user, String deviceId) {
        String address = freshAddress();
        pastResendInterval(user.phone());
        String challenge = login(user.phone().typed(), user.password(), deviceId, address).statusCode(202)
                .extract().path("challengeId");
        return new JsonObject(secondFactor(challenge, "sms", sentCode(user.phone().e164()).getJsonObject("data")
                .getString("code"), address).statusCode(201).extract().asString());
    }

    /** Ages the number's codes past the per-number resend interval, so the next code goes out at once. */
    public static void pastResendInterval(Phone phone) {
        TestDatabase.execute("UPDATE otp_challenge SET created_at = created_at - interval '31 seconds' "
                + "WHERE destination = '" + phone.e164() + "'");
    }

    public static ValidatableResponse login(String phone, String password, String deviceId, String address) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", address)
                .body(Map.of("phone", phone, "password", password, "deviceId", deviceId, "deviceName",
                        "Test phone"))
                .post("/v1/sessions").then();
    }

    public static ValidatableResponse secondFactor(String challengeId, String method, String code, String address) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", address)
                .body(Map.of("method", method, "code", code)).post("/v1/sessions/challenges/" + challengeId).then();
    }

    /** A client address in 10.0.0.0/8 (host part 1 to 254) never handed out before in this test run. */
    public static String freshAddress() {
        long n = NEXT.getAndIncrement() % (256 * 256 * 254);
        return "10." + n / (256 * 254) + "." + n / 254 % 256 + "." + (1 + n % 254);
    }

    /**
     * An IPv6 client address in the documentation prefix 2001:db8::/32, in a /64 never handed out before in this test
     * run (per-address limits count an IPv6 client by its /64), in the canonical form the audit log records.
     */
    public static String freshIpv6Address() {
        return ClientAddress.canonical(freshIpv6Network() + "::1");
    }

    /** The first four groups of a /64 in 2001:db8::/32 never handed out before in this test run: append "::x". */
    public static String freshIpv6Network() {
        long n = NEXT.getAndIncrement() & 0xffff_ffffL;
        return "2001:db8:" + Long.toHexString(n >>> 16) + ":" + Long.toHexString(n & 0xffff);
    }

    /**
     * A six-digit code that an authenticator app with this secret shows at none of the steps the server may accept when
     * the request arrives: the server takes one step either side of its own now, which may be a step past the test's,
     * so every step from two before to two after now is ruled out. ({@code code + 1} can be the next step's code.)
     */
    public static String wrongTotpCode(byte[] secret) {
        long step = Totp.stepOf(Instant.now());
        Set<String> accepted = new HashSet<>();
        for (long near = step - 2; near <= step + 2; near++) {
            accepted.add(Totp.codeAt(secret, near));
        }
        int candidate = Integer.parseInt(Totp.codeAt(secret, step));
        String wrong;
        do {
            candidate = (candidate + 1) % 1_000_000;
            wrong = String.format("%06d", candidate);
        } while (accepted.contains(wrong));
        return wrong;
    }

    public static String newDeviceId() {
        return UUID.randomUUID().toString();
    }

    /** The newest message queued for notification-service to this phone number. */
    public static JsonObject sentCode(String e164) {
        String body = queryText("SELECT body::text FROM kessai_outbox WHERE body->'recipient'->>'phone' = '" + e164
                + "' AND body->'data' ? 'code' ORDER BY created_at DESC LIMIT 1");
        return body == null ? null : new JsonObject(body);
    }
}
