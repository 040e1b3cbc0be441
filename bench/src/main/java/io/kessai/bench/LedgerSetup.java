package io.kessai.bench;

import java.net.http.HttpResponse;
import java.util.List;

/**
 * Creates the benchmark's customer and merchant accounts through the wallet API and funds every customer, each call
 * with the client that makes it in production: auth-service opens customers' wallets, payment-service the rest.
 */
final class LedgerSetup {

    /** Account ids: payments go from a customer to a merchant. */
    record Accounts(List<String> customers, List<String> merchants) {
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

    private List<String> inParallel(int count, Parallel.Step<String> step) throws Exception {
        return Parallel.run(count, parallelism, step);
    }
}
