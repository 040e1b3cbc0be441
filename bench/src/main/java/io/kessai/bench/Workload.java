package io.kessai.bench;

import java.net.http.HttpRequest;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** What a {@link LoadGenerator} sends: the next request, and which answers count as done or as an expected refusal. */
interface Workload {

    /** The next request; {@code sequence} counts the requests of this workload across workers and runs from 1. */
    HttpRequest next(long sequence, ThreadLocalRandom random);

    /** The answer that counts as done: its latency is recorded and it counts towards the throughput. */
    int successStatus();

    /** Whether an answer counts as done; a batch also needs every transfer of it posted. */
    default boolean succeeded(LoadConnection.Answer response) {
        return response.status() == successStatus();
    }

    /**
     * Answers that are expected refusals rather than errors, e.g. 503 when a bounded pool sheds load: counted, with
     * their latency, apart from the errors.
     */
    default Set<Integer> refusalStatuses() {
        return Set.of();
    }
}
