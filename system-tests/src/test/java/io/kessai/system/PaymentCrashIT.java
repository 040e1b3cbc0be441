package io.kessai.system;

import static io.kessai.system.StackMerchants.assertBalances;
import static io.kessai.system.StackMerchants.assertLedgerInvariantsHold;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.restassured.http.ContentType;

import groovy.json.JsonOutput;

/**
 * The crash that reconciliation exists for (issue 14), across the real processes: payment-service records a payment
 * as pending and asks wallet-service for its transfer, and dies (SIGKILL) before it hears the answer; wallet-service
 * posts the transfer meanwhile. To make that moment happen for real, the test holds the customer's wallet row locked
 * in the wallet database, so the transfer waits inside wallet-service, kills payment-service while it waits, and only
 * then lets the transfer through. After the restart the reconciler finds the payment pending, re-posts the same
 * transfer under the same key, is answered the one posted before the crash, and completes the payment: the customer
 * is debited once, the merchant credited once, one transfer carries the key, and the ledger's invariants hold.
 *
 * <p>wallet-service gives up on a row lock after its lock_timeout (3 s), so the lock is released as soon as
 * payment-service is gone; the test says how long the transfer waited.
 */
@ExtendWith(RunningStack.class)
class PaymentCrashIT {

    private static final long FUNDING = 10_000;
    private static final long PRICE = 1_280;

    @Test
    void aCrashBetweenTheTransferAndTheStateChangeIsReconciled() throws Exception {
        LocalStack stack = RunningStack.stack();
        StackUsers.User customer = StackUsers.customer();
        StackMerchants.fund(customer.userId(), FUNDING);
        StackUsers.User owner = StackUsers.merchantOwner();
        StackMerchants.Merchant merchant = StackMerchants.approved(owner, "Crash Curry");
        String payload = given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                .get("/v1/merchants/" + merchant.merchantId() + "/stores/" + merchant.storeId() + "/code")
                .then().statusCode(200).extract().path("payload");
        assertBalances("before the payment", customer, FUNDING, merchant, 0);

        String key = UUID.randomUUID().toString();
        String body = JsonOutput.toJson(Map.of("payload", payload, "amount", Map.of("amount", PRICE,
                "currency", "JPY")));
        String paymentId;
        long blockedNs;
        long releasedNs;
        CompletableFuture<HttpResponse<String>> answer;
        try (Connection lock = database(Service.WALLET);
                Connection wallet = database(Service.WALLET);
                Connection payments = database(Service.PAYMENT)) {
            lock.setAutoCommit(false);
            lockWallet(lock, customer.userId());
            long locker = number(lock, "SELECT pg_backend_pid()");
            answer = pay(customer, key, body);
            paymentId = awaitPending(payments, customer.userId(), key);
            // Watched from another connection: pg_stat_activity is a snapshot per transaction, the locker's is old.
            Eventually.until("the transfer of payment " + paymentId + " waits for the wallet row inside "
                    + "wallet-service", Duration.ofSeconds(30),
                    () -> number(wallet, "SELECT count(*) FROM "
                            + "pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))", locker) >= 1);
            blockedNs = System.nanoTime();
            stack.kill(Service.PAYMENT);
            lock.rollback(); // the lock goes, and wallet-service posts the transfer that nobody waits for any more
            releasedNs = System.nanoTime();

            // Had the transfer waited past wallet-service's lock_timeout (3 s), it would have been rolled back.
            Eventually.until("wallet-service posts the transfer of " + paymentId + " after the crash (it waited "
                    + (releasedNs - blockedNs) / 1_000_000 + " ms between the kill and the release)",
                    Duration.ofSeconds(30), () -> transfersKeyed(wallet, paymentId) == 1);
            assertEquals("pending", status(payments, paymentId),
                    "the payment stays pending while payment-service is down");
        }
        HttpResponse<String> cutOff = answer.handle((response, failure) -> response).get(30, TimeUnit.SECONDS);
        boolean answeredBeforeTheCrash = cutOff != null;
        if (answeredBeforeTheCrash) {
            assertEquals(202, cutOff.statusCode(), "an answer before the crash can only say pending: "
                    + cutOff.body());
        }
        assertBalances("with the transfer posted and payment-service down", customer, FUNDING - PRICE, merchant,
                PRICE);

        stack.restart(Service.PAYMENT);
        Eventually.until("the reconciler completes payment " + paymentId, Duration.ofSeconds(60),
                () -> "COMPLETED".equals(given().baseUri(url(Service.PAYMENT)).auth().oauth2(customer.accessToken())
                        .get("/v1/payments/" + paymentId).then().statusCode(200).extract().path("status")));

        // The customer's app retries under its key and is told what happened: the one payment, completed.
        given().baseUri(url(Service.PAYMENT)).auth().oauth2(customer.accessToken()).contentType(ContentType.JSON)
                .header("Idempotency-Key", key).body(body).post("/v1/payments")
                .then().statusCode(200).header("Idempotent-Replayed", "true")
                .body("paymentId", equalTo(paymentId)).body("status", equalTo("COMPLETED"))
                .body("amount.amount", equalTo((int) PRICE));
        assertBalances("after the reconciliation", customer, FUNDING - PRICE, merchant, PRICE);
        try (Connection wallet = database(Service.WALLET); Connection payments = database(Service.PAYMENT)) {
            assertEquals(1, transfersKeyed(wallet, paymentId), "one wallet transfer carries the payment's key");
            assertEquals(transferOf(wallet, paymentId), text(payments, "SELECT transfer_id::text FROM payment "
                    + "WHERE id = ?::uuid", paymentId), "the payment points at the transfer posted before the crash");
        }
        assertLedgerInvariantsHold();
        System.out.printf("PaymentCrashIT: the transfer waited %d ms inside wallet-service between the kill and the "
                + "release; payment-service %s before it was killed%n", (releasedNs - blockedNs) / 1_000_000,
                answeredBeforeTheCrash ? "had answered 202 (its 2 s wallet timeout came first)" : "had not answered");
    }

    /** Locks the customer's wallet rows (all its sub-accounts) as a transfer would, until the transaction ends. */
    private static void lockWallet(Connection wallet, String userId) throws SQLException {
        try (PreparedStatement lock = wallet.prepareStatement("SELECT s.balance FROM account_shard s "
                + "JOIN account a ON a.id = s.account_id WHERE a.kind = 'customer' AND a.owner_id = ? "
                + "FOR UPDATE OF s")) {
            lock.setString(1, userId);
            try (ResultSet rows = lock.executeQuery()) {
                assertTrue(rows.next(), "the customer's wallet has a sub-account to lock");
            }
        }
    }

    /** Sends the payment without waiting for its answer (which the crash may cut off). */
    private static CompletableFuture<HttpResponse<String>> pay(StackUsers.User customer, String key, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(Service.PAYMENT) + "/v1/payments"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + customer.accessToken())
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The id of the customer's payment under {@code key} once payment-service has recorded it as pending. */
    private static String awaitPending(Connection payments, String userId, String key) {
        List<String> found = new ArrayList<>();
        Eventually.until("payment-service records the payment under " + key + " as pending", Duration.ofSeconds(30),
                () -> {
                    String id = text(payments, "SELECT id::text FROM payment WHERE customer_id = ? "
                            + "AND idempotency_key = ? AND status = 'pending'", userId, key);
                    return id != null && found.add(id);
                });
        return found.get(0);
    }

    private static long transfersKeyed(Connection wallet, String paymentId) {
        return number(wallet, "SELECT count(*) FROM transfer WHERE idempotency_key = ?", paymentId);
    }

    private static String transferOf(Connection wallet, String paymentId) {
        return text(wallet, "SELECT id::text FROM transfer WHERE caller = 'payment-service' AND kind = 'payment' "
                + "AND idempotency_key = ?", paymentId);
    }

    private static String status(Connection payments, String paymentId) {
        return text(payments, "SELECT status FROM payment WHERE id = ?::uuid", paymentId);
    }

    private static long number(Connection db, String sql, Object... parameters) {
        return Long.parseLong(text(db, sql, parameters));
    }

    private static String text(Connection db, String sql, Object... parameters) {
        try (PreparedStatement query = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                query.setObject(i + 1, parameters[i]);
            }
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection database(Service service) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + RunningStack.stack().postgresPort() + "/"
                + service.database(), "postgres", "");
    }
}
