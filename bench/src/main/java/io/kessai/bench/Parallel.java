package io.kessai.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Setup requests for items 0..count-1 with moderate parallelism, results in order; the first failure wins. */
final class Parallel {

    /** One setup step for item {@code n}, returning what later steps need (an id, or nothing). */
    interface Step<T> {

        T run(int n) throws Exception;
    }

    private Parallel() {
    }

    static <T> List<T> run(int count, int parallelism, Step<T> step) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(parallelism)) {
            List<Future<T>> futures = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                int item = n;
                futures.add(pool.submit(() -> step.run(item)));
            }
            List<T> results = new ArrayList<>(count);
            try {
                for (Future<T> future : futures) {
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
