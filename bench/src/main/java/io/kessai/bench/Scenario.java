package io.kessai.bench;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Which merchant a benchmark payment credits (spread over all of them, or all on one hot account), and how many
 * payments one request carries (1: {@code POST /v1/internal/transfers}; more: a batch).
 */
enum Scenario {

    SPREAD("spread", "merchant chosen at random among the %,d", 1, false), HOT("hot",
            "every payment credits merchant 0 of %,d", 1, true), SPREAD_BATCH_10("batch 10",
                    "batches of 10, merchants at random among the %,d", 10, false), SPREAD_BATCH_100("batch 100",
                            "batches of 100, merchants at random among the %,d", 100, false), HOT_BATCH_100("hot b100",
                                    "batches of 100, every payment to merchant 0 of %,d", 100, true);

    private final String label;
    private final String description;
    private final int batchSize;
    private final boolean hot;

    Scenario(String label, String description, int batchSize, boolean hot) {
        this.label = label;
        this.description = description;
        this.batchSize = batchSize;
        this.hot = hot;
    }

    String merchant(List<String> merchants, RandomGenerator random) {
        return hot ? merchants.get(0) : merchants.get(random.nextInt(merchants.size()));
    }

    /** Payments per request: transfers per second are requests per second times this. */
    int batchSize() {
        return batchSize;
    }

    /**
     * Payments of 1 JPY from random customers to this scenario's merchants; 201 means booked, or for a batch 200 with
     * every transfer of it posted.
     */
    Workload payments(WalletClient wallet, LedgerSetup.Accounts accounts) {
        List<String> customers = accounts.customers();
        return new Workload() {

            @Override
            public HttpRequest next(long sequence, ThreadLocalRandom random) {
                if (batchSize == 1) {
                    return wallet.transferRequest("payment", "bench-" + sequence,
                            customers.get(random.nextInt(customers.size())), merchant(accounts.merchants(), random), 1);
                }
                List<String[]> fromTo = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    fromTo.add(new String[]{customers.get(random.nextInt(customers.size())),
                            merchant(accounts.merchants(), random)});
                }
                return wallet.batchRequest("payment", "bench-" + sequence, fromTo, 1);
            }

            @Override
            public int successStatus() {
                return batchSize == 1 ? 201 : 200;
            }

            @Override
            public boolean succeeded(LoadConnection.Answer response) {
                return response.status() == successStatus()
                        && (batchSize == 1 || response.body().contains("\"refused\":0,"));
            }
        };
    }

    String label() {
        return label;
    }

    String description(int merchantCount) {
        return description.formatted(merchantCount);
    }
}
