package io.kessai.bench;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.HdrHistogram.Histogram;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id as auth-service's {@code PasswordHasher} runs it (Bouncy Castle, version 1.3, 16-byte salt, 32-byte hash,
 * PHC string), in this process: to make the one hash every benchmark user shares, and to time a single hash, which
 * is what bounds the sign-ins per second.
 */
final class Argon2id {

    /** auth-service's {@code kessai.auth.password.*} settings that decide what a sign-in costs. */
    record Cost(int memoryKib, int iterations, int parallelism, int workers, int queue) {

        /**
         * auth-service's defaults, or the values a {@code -Dkessai.auth.password.*} among the services' JVM options
         * sets (the benchmark's users must be hashed with the cost auth-service expects, or each sign-in would rehash).
         */
        static Cost of(List<String> jvmOptions) {
            return new Cost(setting(jvmOptions, "memory-kib", 19_456), setting(jvmOptions, "iterations", 2),
                    setting(jvmOptions, "parallelism", 1), setting(jvmOptions, "workers", 2),
                    setting(jvmOptions, "queue", 16));
        }

        private static int setting(List<String> jvmOptions, String name, int fallback) {
            String prefix = "-Dkessai.auth.password." + name + "=";
            int value = fallback;
            for (String option : jvmOptions) {
                if (option.startsWith(prefix)) {
                    try {
                        value = Integer.parseInt(option.substring(prefix.length()).trim());
                    } catch (NumberFormatException e) {
                        throw new BenchmarkException(option + ": not a whole number");
                    }
                }
            }
            return value;
        }

        String phcParameters() {
            return "m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism;
        }
    }

    /** The time of single hashes one after another, and the rate of {@code threads} hashing at once. */
    record Timing(int hashes, Histogram micros, int threads, double parallelPerSecond) {

        double medianMs() {
            return LoadResult.percentileMs(micros, 50);
        }

        double minMs() {
            return micros.getMinValue() / 1000.0;
        }

        double maxMs() {
            return micros.getMaxValue() / 1000.0;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();

    private Argon2id() {
    }

    /** A PHC string as auth-service stores it: {@code $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>}. */
    static String hash(String password, Cost cost) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return "$argon2id$v=19$" + cost.phcParameters() + "$" + B64.encodeToString(salt) + "$"
                + B64.encodeToString(derive(password.getBytes(StandardCharsets.UTF_8), salt, cost));
    }

    /**
     * Times {@code hashes} single hashes after a warm-up of about {@code warmupMillis} (so that C2 has compiled the
     * loops, as in a service that has been running), then {@code threads} threads hashing {@code hashes} each at once.
     */
    static Timing time(Cost cost, int hashes, long warmupMillis, int threads) throws Exception {
        byte[] password = "a password of ordinary length".getBytes(StandardCharsets.UTF_8);
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        long warmupEnd = System.nanoTime() + warmupMillis * 1_000_000;
        do {
            derive(password, salt, cost);
        } while (System.nanoTime() < warmupEnd);

        Histogram micros = new Histogram(3);
        for (int i = 0; i < hashes; i++) {
            long startNs = System.nanoTime();
            derive(password, salt, cost);
            micros.recordValue((System.nanoTime() - startNs) / 1_000);
        }

        long startNs = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit(() -> {
                    for (int i = 0; i < hashes; i++) {
                        derive(password, salt, cost);
                    }
                }));
            }
            for (Future<?> future : running) {
                future.get();
            }
        }
        double seconds = (System.nanoTime() - startNs) / 1e9;
        return new Timing(hashes, micros, threads, threads * hashes / seconds);
    }

    private static byte[] derive(byte[] password, byte[] salt, Cost cost) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(cost.memoryKib())
                .withIterations(cost.iterations())
                .withParallelism(cost.parallelism())
                .withSalt(salt)
                .build());
        byte[] out = new byte[32];
        generator.generateBytes(password, out);
        return out;
    }
}
