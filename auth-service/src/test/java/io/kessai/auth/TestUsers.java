package io.kessai.auth;

import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.kessai.auth.security.ClientAddress;
import io.kessai.auth.totp.Totp;
import io.kessai.testing.DeviceKey;
import io.kessai.testing.DeviceProofRequests;
import io.kessai.testing.TestDatabase;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
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
        return registered(Map.of());
    }

    /** An active merchant owner: registered with {@code "accountType": "merchant"} and confirmed. */
    public static User merchantOwner() {
        return registered(Map.of("accountType", "merchant"));
    }

    private static User registered(Map<String, String> extraFields) {
        Phone phone = Phone.fresh();
        Map<String, String> body = new HashMap<>(Map.of("phone", phone.typed(), "password", PASSWORD));
        body.putAll(extraFields);
        String registration = given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(body).post("/v1/registrations").then()
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

    /** A step-up token for the user's session through the SMS path, as the app gets one. */
    public static String stepUpBySms(User user, String accessToken) {
        pastResendInterval(user.phone());
        String challenge = given().auth().oauth2(accessToken).header("X-Forwarded-For", freshAddress())
                .post("/v1/step-up/sms").then().statusCode(202).extract().path("challengeId");
        String code = sentCode(user.phone().e164()).getJsonObject("data").getString("code");
        return given().auth().oauth2(accessToken).header("X-Forwarded-For", freshAddress())
                .contentType(ContentType.JSON)
                .body(Map.of("method", "sms", "code", code, "challengeId", challenge)).post("/v1/step-up").then()
                .statusCode(201).body("acr", equalTo("step-up")).extract().path("accessToken");
    }

    /** The claims of a JWT, read without checking it (for asserting what a token says). */
    public static JsonObject claimsOf(String jwt) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]),
                StandardCharsets.UTF_8));
    }

    /** Ages the number's codes past the per-number resend interval, so the next code goes out at once. */
    public static void pastResendInterval(Phone phone) {
        TestDatabase.execute("UPDATE otp_challenge SET created_at = created_at - interval '31 seconds' "
                + "WHERE destination = '" + phone.e164() + "'");
    }

    /**
     * The device key each test device holds, by device id, as the app on that device keeps its key: every sign-in
     * from the device proves it ({@link DeviceKey}, the reference client).
     */
    private static final Map<String, DeviceKey> KEYS = new ConcurrentHashMap<>();
    /** The key a waiting sign-in started with, and the key each refresh token is bound to: what the app remembers. */
    private static final Map<String, DeviceKey> KEY_OF_CHALLENGE = new ConcurrentHashMap<>();
    private static final Map<String, DeviceKey> KEY_OF_REFRESH_TOKEN = new ConcurrentHashMap<>();

    /** The key of the test device with this id (made the first time, kept for the test run). */
    public static DeviceKey keyOf(String deviceId) {
        return KEYS.computeIfAbsent(deviceId, id -> DeviceKey.generate());
    }

    /** A sign-in from the device, with a proof of its key. */
    public static ValidatableResponse login(String phone, String password, String deviceId, String address) {
        return login(phone, password, deviceId, address, keyOf(deviceId));
    }

    /** A sign-in with a proof of {@code key}, or with no proof when it is {@code null}. */
    public static ValidatableResponse login(String phone, String password, String deviceId, String address,
            DeviceKey key) {
        Map<String, String> body = Map.of("phone", phone, "password", password, "deviceId", deviceId, "deviceName",
                "Test phone");
        Response answer = withProof(key, "/v1/sessions", proof -> json(address, proof).body(body)
                .post("/v1/sessions"));
        String challenge = answer.statusCode() == 202 ? answer.path("challengeId") : null;
        if (challenge != null && key != null) {
            KEY_OF_CHALLENGE.put(challenge, key);
        }
        return remembered(answer, key);
    }

    /** The second factor of a waiting sign-in, with a proof of the key it started with (none if it had none). */
    public static ValidatableResponse secondFactor(String challengeId, String method, String code, String address) {
        return secondFactor(challengeId, method, code, address, KEY_OF_CHALLENGE.get(challengeId));
    }

    public static ValidatableResponse secondFactor(String challengeId, String method, String code, String address,
            DeviceKey key) {
        String path = "/v1/sessions/challenges/" + challengeId;
        return remembered(withProof(key, path, proof -> json(address, proof).body(Map.of("method", method, "code",
                code)).post(path)), key);
    }

    /** The refresh-token grant, with a proof of the key the token is bound to (none for a token the tests never saw). */
    public static ValidatableResponse refresh(String refreshToken) {
        return refresh(refreshToken, KEY_OF_REFRESH_TOKEN.get(refreshToken));
    }

    public static ValidatableResponse refresh(String refreshToken, DeviceKey key) {
        Response answer = withProof(key, "/oauth2/token", proof -> {
            RequestSpecification request = given().formParam("grant_type", "refresh_token")
                    .formParam("refresh_token", refreshToken);
            return (proof == null ? request : request.header("DPoP", proof)).post("/oauth2/token");
        });
        String rotated = answer.statusCode() == 200 ? answer.path("refresh_token") : null;
        if (rotated != null && key != null) {
            KEY_OF_REFRESH_TOKEN.put(rotated, key);
        }
        return answer.then();
    }

    /** The URL a proof signs: the one the request goes to. */
    public static String url(String path) {
        return RestAssured.baseURI + ":" + RestAssured.port + path;
    }

    private static Response withProof(DeviceKey key, String path, Function<String, Response> send) {
        return key == null ? send.apply(null) : DeviceProofRequests.send(key, "POST", url(path), send);
    }

    private static RequestSpecification json(String address, String proof) {
        RequestSpecification request = given().contentType(ContentType.JSON).header("X-Forwarded-For", address);
        return proof == null ? request : request.header("DPoP", proof);
    }

    private static ValidatableResponse remembered(Response answer, DeviceKey key) {
        String refreshToken = answer.statusCode() == 201 ? answer.path("refreshToken") : null;
        if (refreshToken != null && key != null) {
            KEY_OF_REFRESH_TOKEN.put(refreshToken, key);
        }
        return answer.then();
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

    /** The calls queued for payment-service about the user, oldest first: each path after the user id and reason. */
    public static List<String> paymentCalls(UUID userId) {
        String calls = queryText("SELECT string_agg(substr(path, length('/v1/internal/customers/" + userId
                + "') + 1) || ' ' || (body->>'reason'), '|' ORDER BY seq) FROM kessai_outbox WHERE destination = "
                + "'payment' AND ordering_key = 'payment-customer:" + userId + "' AND path LIKE "
                + "'/v1/internal/customers/" + userId + "/%'");
        return calls == null ? List.of() : List.of(calls.split("\\|"));
    }
}
