package io.kessai.bench;

import java.util.List;
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

    String label() {
        return label;
    }

    String description(int merchantCount) {
        return description.formatted(merchantCount);
    }
}
