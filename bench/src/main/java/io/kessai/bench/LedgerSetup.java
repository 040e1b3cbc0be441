package io.kessai.bench;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Creates the benchmark's customer and merchant accounts through the wallet API and funds every customer, each call
 * with the client that makes it in production: auth-service opens customers' wallets, payment-service the rest.
 */
final class LedgerSetup {

    /** Account ids: payments go from a customer to a merchant. */
    record Accounts(List<String> customers, List<String> merchants) {
    }

    /** One setup request for item {@code n}, returning what the later steps need (an account id, or nothing). */
    private interface Step {

        String run(int n) throws Exception;
    }

    private final WalletClient wallet;
    private final WalletClient walletOpener;
    private final int parallelism;

    LedgerSetup(WalletClient wallet, WalletClient walletOpener, int parallelism) {
        this.wallet = wallet;
        this.walletOpener = walletOpener;
        this.parallelism = parallelism;
    }

    Accounts create(int customerCount, int merchantCount, int merchantSubAccounts, long fundingYen)
            throws Exception {
        String funding = wallet.fundingClearingAccount();
        List<String> customers = inParallel(customerCount, n -> walletOpener.customerAccount("bench-u-" + n));
        List<String> merchants = inParallel(merchantCount,
                n -> wallet.merchantAccount("bench-m-" + n, merchantSubAccounts));
        inParallel(customerCount, n -> {
            HttpResponse<String> response = wallet.transfer("topup", "bench-fund-" + n, funding, customers.get(n),
                    fundingYen);
            if (response.statusCode() != 201) {
                throw WalletClient.unexpected(response);
            }
            return null;
        });
        return new Accounts(List.copyOf(customers), List.copyOf(merchants));
    }

    /** Runs {@code step} for 0..count-1 with moderate parallelism, keeping results in order; the first failure wins. */
    private List<String> inParallel(int count, Step step) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(parallelism)) {
            List<Future<String>> futures = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                int item = n;
                futures.add(pool.submit(() -> step.run(item)));
            }
            List<String> results = new ArrayList<>(count);
            try {
                for (Future<String> future : futures) {
                    results.add(future.get());
                }
            } catch (ExecutionException e) {
                pool.shutdownNow(); // no point in sending the rest: they would fail the same way
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
            return results;
        }
    }
}
