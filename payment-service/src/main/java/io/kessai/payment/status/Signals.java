package io.kessai.payment.status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.kessai.payment.status.StatusView.Capability;
import io.kessai.payment.status.StatusView.Message;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * What the status is judged from, and the judgement ({@link #capabilities}): the wallet breaker (payments, refunds and
 * transfers all post through it), the breaker of recipient lookups at auth-service (P2P transfers only), recent shedding of the classes each capability needs, and how long the oldest
 * receipt has waited for the outbox relay ({@code backlogAge} empty: the database did not answer).
 */
record Signals(CircuitBreakerState wallet, CircuitBreakerState recipients, boolean paymentsShed, boolean codesShed,
        Optional<Duration> backlogAge) {

    Map<String, Capability> capabilities(StatusConfig config) {
        Map<String, Capability> capabilities = new LinkedHashMap<>();
        capabilities.put("paying", paying());
        capabilities.put("refunds", refunds());
        capabilities.put("transfers", transfers());
        capabilities.put("receipts", receipts(config));
        return capabilities;
    }

    private boolean databaseDown() {
        return backlogAge.isEmpty();
    }

    private Capability paying() {
        if (databaseDown()) {
            return of(Level.DOWN, "ただいまお支払いを受け付けられません。しばらくしてからお試しください。",
                    "Payments cannot be taken right now; please try again shortly.");
        }
        if (wallet == CircuitBreakerState.OPEN) {
            return of(Level.DOWN, "残高を確認できないため、ただいまお支払いできません。しばらくしてからお試しください。",
                    "Payments are paused: balances cannot be reached. Please try again shortly.");
        }
        if (wallet == CircuitBreakerState.HALF_OPEN) {
            return of(Level.DEGRADED, "お支払いは復旧中です。時間がかかる場合があります。",
                    "Payments are recovering and may be slow.");
        }
        if (paymentsShed || codesShed) {
            return of(Level.DEGRADED, "混雑のため、お支払いに時間がかかるか、再試行が必要な場合があります。",
                    "Payments are busy: they may be slow or need a retry.");
        }
        return of(Level.OK, "お支払いは通常どおりご利用いただけます。", "Payments are working normally.");
    }

    private Capability refunds() {
        if (databaseDown()) {
            return of(Level.DOWN, "ただいま返金を受け付けられません。しばらくしてからお試しください。",
                    "Refunds cannot be taken right now; please try again shortly.");
        }
        if (wallet == CircuitBreakerState.OPEN) {
            return of(Level.DOWN, "残高を確認できないため、ただいま返金できません。しばらくしてからお試しください。",
                    "Refunds are paused: balances cannot be reached. Please try again shortly.");
        }
        if (wallet == CircuitBreakerState.HALF_OPEN) {
            return of(Level.DEGRADED, "返金は復旧中です。時間がかかる場合があります。",
                    "Refunds are recovering and may be slow.");
        }
        if (paymentsShed) {
            return of(Level.DEGRADED, "混雑のため、返金に時間がかかるか、再試行が必要な場合があります。",
                    "Refunds are busy: they may be slow or need a retry.");
        }
        return of(Level.OK, "返金は通常どおりご利用いただけます。", "Refunds are working normally.");
    }

    private Capability transfers() {
        if (databaseDown()) {
            return of(Level.DOWN, "ただいま送金を受け付けられません。しばらくしてからお試しください。",
                    "Transfers cannot be taken right now; please try again shortly.");
        }
        if (wallet == CircuitBreakerState.OPEN) {
            return of(Level.DOWN, "残高を確認できないため、ただいま送金できません。しばらくしてからお試しください。",
                    "Transfers are paused: balances cannot be reached. Please try again shortly.");
        }
        if (recipients == CircuitBreakerState.OPEN) {
            return of(Level.DOWN, "送金先を確認できないため、ただいま送金できません。しばらくしてからお試しください。",
                    "Transfers are paused: recipients cannot be looked up. Please try again shortly.");
        }
        if (wallet == CircuitBreakerState.HALF_OPEN || recipients == CircuitBreakerState.HALF_OPEN) {
            return of(Level.DEGRADED, "送金は復旧中です。時間がかかる場合があります。", "Transfers are recovering and may be slow.");
        }
        if (paymentsShed) {
            return of(Level.DEGRADED, "混雑のため、送金に時間がかかるか、再試行が必要な場合があります。",
                    "Transfers are busy: they may be slow or need a retry.");
        }
        return of(Level.OK, "送金は通常どおりご利用いただけます。", "Transfers are working normally.");
    }

    private Capability receipts(StatusConfig config) {
        if (databaseDown()) {
            return of(Level.DOWN, "ただいまお支払いの通知をお送りできません。",
                    "Receipts cannot be sent right now.");
        }
        Duration age = backlogAge.get();
        if (age.compareTo(config.receiptsDownAfter()) > 0) {
            return of(Level.DOWN, "お支払いの通知が大幅に遅れています。お支払いそのものは完了しています。",
                    "Receipts are held up; the payments themselves are complete.");
        }
        if (age.compareTo(config.receiptsDelayedAfter()) > 0) {
            return of(Level.DEGRADED, "お支払いの通知が遅れています。お支払いそのものは完了しています。",
                    "Receipts are delayed; the payments themselves are complete.");
        }
        return of(Level.OK, "お支払いの通知は通常どおり届きます。", "Receipts are delivered normally.");
    }

    private static Capability of(Level level, String ja, String en) {
        return new Capability(level, new Message(ja, en));
    }
}
