package io.kessai.auth.password;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import io.kessai.auth.AuthConfig;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Hashes and verifies passwords with Argon2id, stored in the PHC string format
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}) so that the parameters travel with each hash and a change of
 * settings is noticed at the next login ({@link Verification#needsRehash()}).
 *
 * <p>Hashing (and checking a new password's strength) is deliberately slow and memory-hard, so it never runs on an event loop: a fixed pool of
 * {@code kessai.auth.password.workers} threads does it, with at most {@code queue} waiting. A login storm therefore
 * queues and then sheds (503 with Retry-After) instead of starving every other endpoint of CPU.
 */
@ApplicationScoped
public class PasswordHasher {

    private static final Pattern PHC = Pattern
            .compile(
                    "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{16,})\\$([A-Za-z0-9+/]{32,})");
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

    /** Argon2id cost parameters. */
    public record Cost(int memoryKib, int iterations, int parallelism) {
    }

    /** Whether a password matched, and whether its stored hash should be replaced (its cost is out of date). */
    public record Verification(boolean matches, boolean needsRehash) {
    }

    private final Cost cost;
    private final ThreadPoolExecutor workers;
    /** Verified against when there is no stored hash (unknown number), so that answer costs the same time. */
    private volatile String dummy;

    PasswordHasher(AuthConfig config) {
        AuthConfig.Password password = config.password();
        this.cost = new Cost(password.memoryKib(), password.iterations(), password.parallelism());
        this.workers = new ThreadPoolExecutor(password.workers(), password.workers(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(password.queue()), runnable -> {
                    Thread thread = new Thread(runnable, "password-hasher");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @PreDestroy
    void stop() {
        workers.shutdownNow();
    }

    public Uni<String> hash(String password) {
        return onWorker(() -> hash(password, cost));
    }

    /** Whether every worker is busy and the queue is full: a new hash would be shed. A cheap, racy pre-check. */
    public boolean saturated() {
        return workers.getQueue().remainingCapacity() == 0;
    }

    /**
     * Verifies against {@code stored}, or, when it is null (no such account), against a dummy hash of the same cost,
     * which never matches: an unknown number takes as long to refuse as a wrong password.
     */
    public Uni<Verification> verifyOrDummy(String password, String stored) {
        if (stored != null) {
            return verify(password, stored);
        }
        return onWorker(() -> {
            String against = dummy;
            if (against == null) {
                against = hash(Long.toString(RANDOM.nextLong()), cost);
                dummy = against;
            }
            matches(password, against);
            return new Verification(false, false);
        });
    }

    public Uni<Verification> verify(String password, String stored) {
        return onWorker(() -> {
            boolean matches = matches(password, stored);
            return new Verification(matches, matches && !cost.equals(costOf(stored)));
        });
    }

    /**
     * Checks a new password against {@link PasswordPolicy} and hashes it, both on the worker pool: zxcvbn's estimate
     * is CPU work too, and must not run on an event loop any more than the hash.
     */
    public Uni<String> checkAndHash(String password, String phoneE164, String field) {
        return onWorker(() -> {
            PasswordPolicy.check(password, phoneE164, field);
            return hash(password, cost);
        });
    }

    /**
     * Test seam: puts {@code task} on the pool the way a hash goes there (a worker if one is free, else a place in the
     * queue), or throws {@link RejectedExecutionException} when it is full. Tasks that block fill the pool, so a test
     * can make the next hash shed for certain instead of hoping that concurrent requests overflow it.
     */
    void occupy(Runnable task) {
        workers.execute(task);
    }

    /** Runs {@code work} on the pool and answers on the caller's Vert.x context, so the request goes on there. */
    private <T> Uni<T> onWorker(Callable<T> work) {
        return Uni.createFrom().emitter(emitter -> {
            Context caller = Vertx.currentContext();
            try {
                workers.execute(() -> {
                    try {
                        T result = work.call();
                        answer(caller, () -> emitter.complete(result));
                    } catch (Exception e) {
                        answer(caller, () -> emitter.fail(e));
                    }
                });
            } catch (RejectedExecutionException full) {
                emitter.fail(ProblemException.unavailable("Too many sign-ins at once; try again in a few seconds."));
            }
        });
    }

    private static void answer(Context caller, Runnable answer) {
        if (caller == null) {
            answer.run();
        } else {
            caller.runOnContext(ignored -> answer.run());
        }
    }

    /** A hash of {@code password} at the given cost (for tools and tests; the service hashes through its pool). */
    public static String hash(String password, Cost cost) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = derive(password.getBytes(StandardCharsets.UTF_8), salt, cost, HASH_BYTES, null, null);
        return "$argon2id$v=19$m=" + cost.memoryKib() + ",t=" + cost.iterations() + ",p=" + cost.parallelism() + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** Constant-time comparison; a malformed stored hash never matches. */
    static boolean matches(String password, String stored) {
        Matcher phc = stored == null ? null : PHC.matcher(stored);
        if (phc == null || !phc.matches()) {
            return false;
        }
        Cost storedCost = new Cost(Integer.parseInt(phc.group(1)), Integer.parseInt(phc.group(2)),
                Integer.parseInt(phc.group(3)));
        byte[] salt = B64_DECODER.decode(phc.group(4));
        byte[] expected = B64_DECODER.decode(phc.group(5));
        byte[] actual = derive(password.getBytes(StandardCharsets.UTF_8), salt, storedCost, expected.length, null,
                null);
        return MessageDigest.isEqual(expected, actual);
    }

    static Cost costOf(String stored) {
        Matcher phc = PHC.matcher(stored);
        if (!phc.matches()) {
            return null;
        }
        return new Cost(Integer.parseInt(phc.group(1)), Integer.parseInt(phc.group(2)),
                Integer.parseInt(phc.group(3)));
    }

    /** Raw Argon2id (version 1.3), with the optional secret and associated data of RFC 9106. */
    static byte[] derive(byte[] password, byte[] salt, Cost cost, int length, byte[] secret, byte[] associatedData) {
        Argon2Parameters.Builder parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(cost.memoryKib())
                .withIterations(cost.iterations())
                .withParallelism(cost.parallelism())
                .withSalt(salt);
        if (secret != null) {
            parameters.withSecret(secret);
        }
        if (associatedData != null) {
            parameters.withAdditional(associatedData);
        }
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters.build());
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }
}
