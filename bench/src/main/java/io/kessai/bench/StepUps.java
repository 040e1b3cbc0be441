package io.kessai.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * Step-up tokens (5 minutes, {@code acr=step-up}) as an app gets one before a sensitive action: the signed-in user
 * asks auth-service for an SMS code ({@code POST /v1/step-up/sms}), and presents it ({@code POST /v1/step-up}). The
 * code is read where the local stack delivers SMS: notification-service's dev inbox.
 */
final class StepUps {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** How long auth-service's outbox and notification-service may take to deliver the code. */
    private static final Duration DELIVERY_WAIT = Duration.ofSeconds(60);
    /** The six-digit code in the message, whatever its language. */
    private static final Pattern CODE = Pattern.compile("(?<![0-9])([0-9]{6})(?![0-9])");

    private final HttpClient http;
    private final URI auth;
    private final URI notification;
    private final ServiceToken inboxReader;

    StepUps(HttpClient http, LocalStack stack) {
        this.http = http;
        this.auth = stack.url(Service.AUTH);
        this.notification = stack.url(Service.NOTIFICATION);
        // The dev inbox is for services and ops; auth-service's own client reads what it sent.
        this.inboxReader = new ServiceToken(http, auth, Service.AUTH.module(), stack.clientSecret(Service.AUTH));
    }

    /** A step-up token of the session {@code authorization} belongs to, the code sent to {@code phone}. */
    String token(String authorization, String phone) throws Exception {
        long before = newestMessage(phone);
        HttpResponse<String> sent = send(HttpRequest.newBuilder(auth.resolve("/v1/step-up/sms"))
                .timeout(REQUEST_TIMEOUT).header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), 202);
        String challenge = Json.field(sent.body(), "challengeId");
        String code = awaitCode(phone, before);
        HttpResponse<String> stepUp = send(HttpRequest.newBuilder(auth.resolve("/v1/step-up"))
                .timeout(REQUEST_TIMEOUT).header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"method":"sms","code":"%s","challengeId":"%s"}""".formatted(code, challenge))).build(), 201);
        return "Bearer " + Json.field(stepUp.body(), "accessToken");
    }

    /** The code of the first message to {@code phone} newer than message {@code before} (0: any). */
    private String awaitCode(String phone, long before) throws Exception {
        long deadline = System.nanoTime() + DELIVERY_WAIT.toNanos();
        while (true) {
            String inbox = inbox(phone);
            // Newest first: with one code asked for at a time, the newest message is the one.
            if (inbox.contains("\"id\"") && Long.parseLong(Json.field(inbox, "id")) > before) {
                Matcher code = CODE.matcher(Json.field(inbox, "body"));
                if (code.find()) {
                    return code.group(1);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new BenchmarkException("no step-up code reached " + phone + " within "
                        + DELIVERY_WAIT.toSeconds() + " s: are auth-service's outbox and notification-service's"
                        + " SMS delivery running? (see their logs)");
            }
            Thread.sleep(100);
        }
    }

    private long newestMessage(String phone) throws Exception {
        String inbox = inbox(phone);
        return inbox.contains("\"id\"") ? Long.parseLong(Json.field(inbox, "id")) : 0;
    }

    private String inbox(String phone) throws Exception {
        return send(HttpRequest.newBuilder(notification.resolve("/v1/dev/inbox?limit=1&recipient="
                + URLEncoder.encode(phone, StandardCharsets.UTF_8))).timeout(REQUEST_TIMEOUT)
                .header("Authorization", inboxReader.authorization()).GET().build(), 200).body();
    }

    private HttpResponse<String> send(HttpRequest request, int expected) throws Exception {
        HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != expected) {
            throw new BenchmarkException(request.method() + " " + request.uri().getPath() + " answered "
                    + answer.statusCode() + ": " + Json.abbreviate(answer.body(), 300));
        }
        return answer;
    }
}
