package io.kessai.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.kessai.testing.TokenMinter;

/**
 * A rolling update as a pod sees it: wallet-service gets SIGTERM while 16 callers keep posting transfers over
 * keep-alive connections. Each request is sent once (its own key, no retry), so that its fate is plain: every request
 * sent before the signal is answered, every 201 is in the database, everything refused while draining is a 503 with
 * Retry-After that wrote nothing, a request that found the port closed wrote nothing either, and the process exits by
 * itself within its shutdown timeout.
 *
 * <p>The stack runs with a shutdown delay ({@link RunningStack#SHUTDOWN_DELAY}), as behind a balancer: requests are
 * still served for it, then refused. It also means a caller thread that took its "sent" time just before the signal
 * and was then descheduled still reaches a live server, so "sent before SIGTERM, answered" holds on a loaded machine.
 */
@ExtendWith(RunningStack.class)
class GracefulShutdownIT {

    private static final int CALLERS = 16;

    /** One request and what became of it; {@code status} is 0 when the connection failed. */
    private record Attempt(String key, long sentNanos, long doneNanos, int status, String retryAfter, String code,
            String failure) {
    }

    private final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
    private final AtomicLong posted = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();

    @Test
    void aStoppingWalletServiceFinishesAndAnswersWhatItTookAndTakesNothingNew() throws Exception {
        LocalStack stack = RunningStack.stack();
        WalletCalls wallet = new WalletCalls(stack);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> customers = new ArrayList<>();
        String merchant = wallet.open("merchants", "drain-" + run + "-m");
        String funding = wallet.fundingClearing();
        for (int i = 0; i < CALLERS; i++) {
            String customer = wallet.open("customers", "drain-" + run + "-c" + i);
            assertEquals(201, wallet.transfer(UUID.randomUUID().toString(), "topup", funding, customer, 100_000)
                    .status());
            customers.add(customer);
        }

        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        List<Future<?>> callers = new ArrayList<>();
        long sigtermNanos;
        boolean exitedByItself;
        try {
            for (int i = 0; i < CALLERS; i++) {
                String customer = customers.get(i);
                Random random = new Random(i);
                callers.add(pool.submit(() -> call(wallet, customer, merchant, random)));
            }
            Eventually.until("transfers flowing", Duration.ofMinutes(2), () -> posted.get() >= 300);
            sigtermNanos = System.nanoTime();
            exitedByItself = stack.stop(Service.WALLET);
            // Go on a moment against the closed port, as callers would until their balancer notices.
            long exitedNanos = System.nanoTime();
            Eventually.until("callers found the port closed", Duration.ofSeconds(30),
                    () -> attempts.stream().anyMatch(a -> a.failure() != null && a.sentNanos() > exitedNanos));
        } finally {
            stop.set(true);
            pool.shutdown();
            assertTrue(pool.awaitTermination(2, TimeUnit.MINUTES));
            stack.restart(Service.WALLET);
        }
        for (Future<?> caller : callers) {
            caller.get();
        }

        assertTrue(exitedByItself, "wallet-service exited within its shutdown timeout, without a kill");
        List<Attempt> before = attempts.stream().filter(a -> a.sentNanos() < sigtermNanos).toList();
        assertEquals(List.of(), before.stream().filter(a -> a.status() == 0).toList(),
                "every request sent before SIGTERM was answered");
        assertTrue(before.stream().anyMatch(a -> a.doneNanos() > sigtermNanos),
                "some requests were still in flight at SIGTERM (else this test proves nothing)");
        assertEquals(List.of(), attempts.stream().filter(a -> a.status() != 0 && a.status() != 201
                && !(a.status() == 503 && a.retryAfter() != null && "service-unavailable".equals(a.code()))).toList(),
                "every answer is a 201 or, while draining, a 503 service-unavailable with Retry-After");

        try (Connection db = WalletCalls.database(stack);
                PreparedStatement stored = db.prepareStatement("SELECT count(*) FROM transfer "
                        + "WHERE caller = 'payment-service' AND idempotency_key = ?")) {
            List<String> lost = new ArrayList<>();
            List<String> unanswered = new ArrayList<>();
            for (Attempt attempt : attempts) {
                stored.setString(1, attempt.key());
                long count;
                try (ResultSet row = stored.executeQuery()) {
                    row.next();
                    count = row.getLong(1);
                }
                if (attempt.status() == 201 && count != 1) {
                    lost.add(attempt.key());
                } else if (attempt.status() != 201 && count != 0) {
                    unanswered.add(attempt.key() + " (" + (attempt.status() == 0
                            ? attempt.failure()
                            : attempt.status()) + ")");
                }
            }
            assertEquals(List.of(), lost, "every 201 is stored");
            assertEquals(List.of(), unanswered, "nothing was written for a request that was not told 201");
        }
        System.out.printf("GracefulShutdownIT: %d requests, %d posted, %d refused with 503 while draining, "
                + "%d found the port closed%n", attempts.size(), posted.get(),
                attempts.stream().filter(a -> a.status() == 503).count(),
                attempts.stream().filter(a -> a.status() == 0).count());
    }

    /**
     * A stream is a request that never ends by itself: notification-service closes its streams when SIGTERM comes
     * (their clients resume on another replica with Last-Event-ID), so its shutdown does not sit out the whole timeout
     * waiting for them.
     */
    @Test
    void aStoppingNotificationServiceHandsItsStreamsOverAtOnce() throws Exception {
        LocalStack stack = RunningStack.stack();
        TokenMinter issuer = TokenMinter.fromJwkFile(StackSmokeIT.currentSigningKey(), stack.issuer());
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(stack.url(Service.NOTIFICATION).resolve("/v1/streams/customer"))
                .header("Authorization", "Bearer " + issuer.token("usr-" + UUID.randomUUID(), "customer"))
                .header("Accept", "text/event-stream").GET().build();
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(request,
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        java.util.Iterator<String> lines = stream.body().iterator();
        assertTrue(lines.hasNext() && lines.next().contains("connected"), "the stream is open");
        long logBefore = Files.size(stack.logFile(Service.NOTIFICATION));
        try {
            assertTrue(stack.stop(Service.NOTIFICATION), "notification-service exited by itself");
        } finally {
            stack.restart(Service.NOTIFICATION);
        }
        String shutdownLog;
        try (var log = Files.newInputStream(stack.logFile(Service.NOTIFICATION))) {
            log.skipNBytes(logBefore);
            shutdownLog = new String(log.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(shutdownLog.contains("stopped in"), "the shutdown is in the log: " + shutdownLog);
        assertTrue(!shutdownLog.contains("Timed out waiting for graceful shutdown"),
                "the open stream did not hold the shutdown for its whole timeout: " + shutdownLog);
    }

    private void call(WalletCalls wallet, String customer, String merchant, Random random) {
        while (!stop.get()) {
            String key = UUID.randomUUID().toString();
            long sent = System.nanoTime();
            try {
                WalletCalls.Answer answer = wallet.transfer(key, "payment", customer, merchant,
                        1 + random.nextInt(100));
                if (answer.status() == 201) {
                    posted.incrementAndGet();
                }
                attempts.add(new Attempt(key, sent, System.nanoTime(), answer.status(), answer.retryAfter(),
                        answer.problemCode(), null));
            } catch (IOException failed) {
                attempts.add(new Attempt(key, sent, System.nanoTime(), 0, null, null, failed.toString()));
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50); // a caller backing off before it tries a closed port again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
