package io.kessai.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * The ledger's invariant check (ops, {@code GET /v1/ops/ledger/invariants}) after a benchmark's loads: balances equal
 * their entries, every transfer sums to zero. A broken ledger fails the run.
 */
final class LedgerInvariants {

    private LedgerInvariants() {
    }

    /** Runs the check as the stack's ops client and returns "ok", or throws with wallet-service's answer. */
    static String check(HttpClient http, LocalStack stack) throws Exception {
        ServiceToken ops = new ServiceToken(http, stack.url(Service.AUTH), LocalStack.OPS_CLIENT,
                stack.opsClientSecret());
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                stack.url(Service.WALLET).resolve("/v1/ops/ledger/invariants"))
                .timeout(Duration.ofMinutes(5)).header("Authorization", ops.authorization()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200 || !answer.body().contains("\"ok\":true")) {
            throw new BenchmarkException("the ledger's invariant check failed after the loads: " + answer.statusCode()
                    + " " + Json.abbreviate(answer.body(), 500));
        }
        System.out.println("Ledger invariants after the loads: ok");
        return "ok";
    }
}
