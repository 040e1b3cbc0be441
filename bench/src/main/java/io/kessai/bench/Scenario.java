package io.kessai.bench;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/** Which merchant a benchmark payment credits: spread over all of them, or all on one hot account. */
enum Scenario {

    SPREAD("spread", "merchant chosen at random among the %,d") {

        @Override
        String merchant(List<String> merchants, RandomGenerator random) {
            return merchants.get(random.nextInt(merchants.size()));
        }
    },
    HOT("hot", "every payment credits merchant 0 of %,d") {

        @Override
        String merchant(List<String> merchants, RandomGenerator random) {
            return merchants.get(0);
        }
    };

    private final String label;
    private final String description;

    Scenario(String label, String description) {
        this.label = label;
        this.description = description;
    }

    abstract String merchant(List<String> merchants, RandomGenerator random);

    /** Payments of 1 JPY from a random customer to this scenario's merchant; 201 means booked. */
    Workload payments(WalletClient wallet, LedgerSetup.Accounts accounts) {
        return new Workload() {

            @Override
            public HttpRequest next(long sequence, ThreadLocalRandom random) {
                List<String> customers = accounts.customers();
                String from = customers.get(random.nextInt(customers.size()));
                return wallet.transferRequest("payment", "bench-" + sequence, from,
                        merchant(accounts.merchants(), random), 1);
            }

            @Override
            public int successStatus() {
                return 201;
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
