package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * The auth benchmark ({@code ./kessai bench auth}): times one Argon2id hash in this process, starts the stack from
 * the packaged jars, then measures password sign-ins on auth-service (steady, and a burst past its hashing pool while
 * a cheap endpoint is probed) and bearer-token checks on wallet-service (one token again and again, and a fresh token
 * on every request), and reports the figures.
 */
public final class AuthBenchmark {

    /** The cheap endpoint probed during the sign-in loads: no database, no hashing, no signature. */
    static final String PROBED_PATH = "/.well-known/jwks.json";
    /** How long the cheap endpoint is probed with no load, as the reference for the loaded probes. */
    static final Duration IDLE_PROBE = Duration.ofSeconds(5);
    /** The role wallet-service's whoami requires, as auth-service gives service clients. */
    static final String SERVICE_ROLE = "service";

    /** The process groups whose CPU time each phase reports; the rest of the machine is everything else. */
    static final String AUTH = "auth-service";
    static final String WALLET = "wallet-service";
    static final String POSTGRES = "PostgreSQL";
    static final String GENERATOR = "load generator";
    /** auth-service's hashing pool: part of auth-service's CPU. */
    static final String HASHING = "auth-service hashing threads";

    private final AuthOptions options;
    private final LocalStack stack;
    private final PostgresServer postgres;
    private final CpuMeter cpu;

    private AuthBenchmark(AuthOptions options, LocalStack stack) {
        this.options = options;
        this.stack = stack;
        this.postgres = new PostgresServer(stack.postgresPort());
        Map<String, Supplier<Duration>> groups = new LinkedHashMap<>();
        groups.put(AUTH, CpuMeter.service(stack, Service.AUTH));
        groups.put(WALLET, CpuMeter.service(stack, Service.WALLET));
        groups.put(POSTGRES, CpuMeter.processes(CpuMeter.postgres(stack.postgresPort())));
        groups.put(GENERATOR, CpuMeter.processes(() -> Stream.of(ProcessHandle.current())));
        // auth-service's PasswordHasher names its pool's threads so: their CPU is the hashing alone.
        this.cpu = new CpuMeter(groups, Map.of(HASHING, CpuMeter.threads(CpuMeter.jvm(stack, Service.AUTH),
                "password-hasher")));
    }

    public static void main(String[] args) {
        BenchMain.main(args, arguments -> run(AuthOptions.parse(arguments)));
    }

    private static void run(AuthOptions options) throws Exception {
        Machine machine = Machine.describe(options.repository());
        Instant startedAt = Instant.now();
        double loadAtStart = Machine.loadAverage();

        // Before the stack starts, so that the services take no CPU from it.
        Argon2id.Cost cost = Argon2id.Cost.of(options.jvmOptions());
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("Argon2id (%s) in this process: %d single hashes, then %d threads at once ...%n",
                cost.phcParameters(), options.hashes(), cores);
        Argon2id.Timing argon = Argon2id.time(cost, options.hashes(), 2_000, cores);
        System.out.printf("Argon2id: median %.1f ms per hash (min %.1f, max %.1f); %d threads: %.1f hashes/s%n",
                argon.medianMs(), argon.minMs(), argon.maxMs(), argon.threads(), argon.parallelPerSecond());
        String passwordHash = Argon2id.hash(AuthUsers.PASSWORD, cost);
        DeviceKeys.Timing proofs = DeviceKeys.time(options.hashes() * 50, 2_000);
        System.out.printf("Device proof (ES256, P-256): median %.0f µs to make, %.0f µs to check (%d of each)%n",
                proofs.signMicros(), proofs.verifyMicros(), proofs.proofs());

        AuthReport report;
        try (BenchStack bench = BenchStack.start(options.repository(),
                options.repository().resolve("bench/target/auth-bench-data"), options.jvmOptions(),
                options.synchronousCommit())) {
            AuthBenchmark benchmark = new AuthBenchmark(options, bench.stack());
            Map<String, String> settings = benchmark.configurePostgres();
            try (HttpClient http = WalletClient.newHttpClient()) {
                ServiceToken token = new ServiceToken(http, bench.stack().url(Service.AUTH),
                        Service.PAYMENT.module(), bench.stack().clientSecret(Service.PAYMENT));
                token.authorization(); // fails here, with auth-service's answer, if the client is not accepted
                Logins logins = options.skipLogins() ? null : benchmark.measureLogins(http, passwordHash);
                Verifications verifications = options.skipTokens() ? null : benchmark.measureTokens(http, token);
                report = new AuthReport(new AuthReport.Run(options, machine, startedAt, loadAtStart,
                        Machine.loadAverage(), settings, cost, argon, proofs, logins, verifications));
            }
        }
        System.out.print(report.consoleTable());
        Path docs = options.docsFile();
        if (docs != null) {
            report.writeInto(docs);
            System.out.println("\nWrote the auth section of " + options.repository().relativize(docs) + ".");
        }
        System.out.println("Rerun: " + options.rerunCommand());
    }

    /** The sign-in figures: the probe with no load, then each load with the probe that ran alongside it. */
    record Logins(int users, Phase idle, LoadResult warmup, Phase steady, Phase burst,
            AuthUsers.Lockouts afterSteady, AuthUsers.Lockouts afterBurst) {
    }

    /**
     * One measured phase: its load (null for the idle probe), what the cheap endpoint's probe saw meanwhile (null
     * when there was none), where the CPU went, and wallet-service's token-cache counters (null when not read).
     */
    record Phase(LoadResult load, Prober.Result probe, CpuMeter.Usage cpu, TokenCacheCounters tokenCache) {
    }

    /** The token-check figures. */
    record Verifications(int tokens, double mintSeconds, LoadResult warmup, Phase cached, Phase fresh) {
    }

    /**
     * Gives the auth database production's {@code synchronous_commit} (each sign-in commits several times) and
     * restarts auth-service so that its pooled connections use it; returns the settings its sessions see.
     */
    private Map<String, String> configurePostgres() throws Exception {
        String auth = Service.AUTH.database();
        postgres.setSynchronousCommit(auth, options.synchronousCommit());
        if (!options.skipLogins()) {
            System.out.println("Restarting auth-service so that its pooled connections use synchronous_commit="
                    + options.synchronousCommit() + " ...");
            stack.restart(Service.AUTH);
        }
        Map<String, String> settings = postgres.settings(auth);
        System.out.println("PostgreSQL: " + settings);
        return settings;
    }

    private Logins measureLogins(HttpClient http, String passwordHash) throws Exception {
        System.out.printf("Creating %,d users with a bound device each ...%n", options.users());
        AuthUsers users = AuthUsers.create(postgres, options.users(), passwordHash);
        URI auth = stack.url(Service.AUTH);
        AuthNonce nonce = new AuthNonce(http, auth.resolve("/v1/sessions"));
        Workload logins = AuthWorkloads.logins(auth, users, nonce::get);
        // One sign-in first: a refused one fails the run with auth-service's answer, not minutes of errors.
        HttpResponse<String> first = http.send(logins.next(0, null), HttpResponse.BodyHandlers.ofString());
        if (first.statusCode() != 201) {
            throw new BenchmarkException("a benchmark user's sign-in was answered " + first.statusCode() + ": "
                    + Json.abbreviate(first.body(), 300));
        }

        URI probed = auth.resolve(PROBED_PATH);
        postgres.checkpoint();
        System.out.println("Probing " + PROBED_PATH + " with no load: " + IDLE_PROBE.toSeconds() + " s ...");
        CpuMeter.Sample before = cpu.sample();
        Prober idleProber = Prober.start(probed, Duration.ofMillis(options.probeMillis()));
        Thread.sleep(IDLE_PROBE);
        Prober.Result idleProbe = idleProber.stop();
        Phase idle = new Phase(null, idleProbe, CpuMeter.between(before, cpu.sample()), null);
        printProbe("idle", idle);

        LoadGenerator steady = new LoadGenerator(options.concurrency());
        postgres.checkpoint();
        LoadResult warmup = printLoad(steady.run("warm-up", logins, seconds(options.warmupSeconds())), "sign-ins");
        Phase measured = probed(steady, "steady", logins, options.measureSeconds(), probed);
        AuthUsers.Lockouts afterSteady = AuthUsers.clearLockouts(postgres);
        Phase burst = probed(new LoadGenerator(options.burstConcurrency()), "burst", logins, options.burstSeconds(),
                probed);
        AuthUsers.Lockouts afterBurst = AuthUsers.clearLockouts(postgres);
        System.out.printf("Numbers with failed attempts counted after the burst: %,d, of which locked: %,d"
                + " (cleared)%n", afterBurst.counted(), afterBurst.locked());
        return new Logins(users.count(), idle, warmup, measured, burst, afterSteady, afterBurst);
    }

    private Phase probed(LoadGenerator load, String label, Workload workload, int seconds, URI probed)
            throws Exception {
        postgres.checkpoint();
        System.out.println(label + ": " + seconds + " s ...");
        CpuMeter.Sample before = cpu.sample();
        try (Prober prober = Prober.start(probed, Duration.ofMillis(options.probeMillis()))) {
            LoadResult result = load.run(label, workload, seconds(seconds));
            Prober.Result probe = prober.stop();
            Phase phase = new Phase(result, probe, CpuMeter.between(before, cpu.sample()), null);
            printLoad(result, "sign-ins");
            printProbe(label, phase);
            return phase;
        }
    }

    private Verifications measureTokens(HttpClient http, ServiceToken token) throws Exception {
        System.out.printf("Signing %,d distinct service tokens with auth-service's key ...%n", options.tokens());
        long startNs = System.nanoTime();
        List<String> tokens = MintedTokens.mint(stack.signingKeyDirectory(), token.authorization().substring(7),
                stack.issuer(), "kessai", Service.PAYMENT.module(), List.of(SERVICE_ROLE), Duration.ofHours(2),
                options.tokens());
        double mintSeconds = (System.nanoTime() - startNs) / 1e9;
        System.out.printf("Signed in %.1f s.%n", mintSeconds);

        URI wallet = stack.url(Service.WALLET);
        // One cursor for the warm-up and the fresh scenario: each token comes back only after all the others.
        LongFunction<String> inTurn = inTurn(tokens);
        Workload fresh = AuthWorkloads.whoami(wallet, inTurn);
        HttpResponse<String> first = http.send(fresh.next(0, null), HttpResponse.BodyHandlers.ofString());
        if (first.statusCode() != 200) {
            throw new BenchmarkException("wallet-service answered a signed token with " + first.statusCode() + ": "
                    + Json.abbreviate(first.body(), 300));
        }
        LoadGenerator load = new LoadGenerator(options.verifyConcurrency());
        LoadResult warmup = printLoad(load.run("warm-up", fresh, seconds(options.warmupSeconds())), "checks");

        Phase cached = checks(http, load, "cached", AuthWorkloads.whoami(wallet, sequence -> token.authorization()));
        Phase freshPhase = checks(http, load, "fresh", fresh);
        return new Verifications(tokens.size(), mintSeconds, warmup, cached, freshPhase);
    }

    private Phase checks(HttpClient http, LoadGenerator load, String label, Workload workload) throws Exception {
        URI wallet = stack.url(Service.WALLET);
        System.out.println(label + ": " + options.measureSeconds() + " s ...");
        TokenCacheCounters countersBefore = TokenCacheCounters.read(http, wallet);
        CpuMeter.Sample before = cpu.sample();
        LoadResult result = load.run(label, workload, seconds(options.measureSeconds()));
        CpuMeter.Usage usage = CpuMeter.between(before, cpu.sample());
        TokenCacheCounters counters = TokenCacheCounters.between(countersBefore, TokenCacheCounters.read(http,
                wallet));
        printLoad(result, "checks");
        System.out.println("  wallet-service token cache: " + describe(counters));
        return new Phase(result, null, usage, counters);
    }

    /** The tokens in turn, one per request, starting over after the last; the cursor survives between runs. */
    private static LongFunction<String> inTurn(List<String> tokens) {
        AtomicLong cursor = new AtomicLong();
        return ignored -> "Bearer " + tokens.get((int) (cursor.getAndIncrement() % tokens.size()));
    }

    private static String describe(TokenCacheCounters counters) {
        return counters == null
                ? "unknown (no metrics)"
                : String.format("%,.0f hits, %,.0f misses", counters.hits(), counters.misses());
    }

    private static LoadResult printLoad(LoadResult result, String what) {
        System.out.printf("%s: %,d %s in %.1f s (%.1f/s; %.1f/s within the %.0f s), p50 %.1f ms, p95 %.1f ms,"
                + " p99 %.1f ms, max %.1f ms", result.label(), result.successes(), what, result.seconds(),
                result.perSecond(), result.windowPerSecond(), result.windowSeconds(),
                result.percentileMs(50), result.percentileMs(95), result.percentileMs(99), result.maxMs());
        result.refusals().forEach((status, count) -> System.out.printf(", %,d × %d", count, status));
        System.out.printf(", %d errors%n", result.errors());
        result.errorSamples().forEach((sample, count) -> System.out.println("  error ×" + count + ": " + sample));
        return result;
    }

    private static void printProbe(String label, Phase phase) {
        Prober.Result probe = phase.probe();
        CpuMeter.Usage usage = phase.cpu();
        System.out.printf("  %s: %s answered %,d times, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d failed%n", label,
                probe.path(), probe.answered(), probe.percentileMs(50), probe.percentileMs(99), probe.maxMs(),
                probe.failed());
        System.out.printf("  %s: cores used: auth-service %.2f (hashing threads %.2f), PostgreSQL %.2f, load"
                + " generator %.2f, rest of the machine %.2f%n", label, usage.cores(AUTH), usage.cores(HASHING),
                usage.cores(POSTGRES), usage.cores(GENERATOR), usage.otherCores());
        if (phase.load() != null && phase.load().successes() > 0) {
            System.out.printf("  %s: hashing CPU per sign-in %.1f ms%n", label,
                    usage.millisPer(HASHING, phase.load().successes()));
        }
    }

    private static Duration seconds(int seconds) {
        return Duration.ofSeconds(seconds);
    }
}
