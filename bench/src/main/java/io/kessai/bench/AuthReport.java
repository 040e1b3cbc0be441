package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns one auth run's figures into a console table and into the auth section of docs/benchmarks.md, which it
 * rewrites between its markers and leaves the rest of the file alone.
 */
final class AuthReport {

    static final DocsSection SECTION = new DocsSection("<!-- auth-bench:start -->", "<!-- auth-bench:end -->");

    /** Everything one run measured; logins or verifications are null when skipped. */
    record Run(AuthOptions options, Machine machine, Instant startedAt, double loadAtStart, double loadAtEnd,
            Map<String, String> postgresSettings, Argon2id.Cost cost, Argon2id.Timing argon,
            DeviceKeys.Timing proofs, AuthBenchmark.Logins logins, AuthBenchmark.Verifications verifications) {
    }

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Run run;

    AuthReport(Run run) {
        this.run = run;
    }

    /**
     * Sign-ins per second that the hashing pool allows at most: each worker hashes one password at a time, and no
     * more workers than cores can hash at once.
     */
    double ceiling() {
        int hashing = Math.min(run.cost().workers(), run.machine().cores());
        return hashing * 1000.0 / run.argon().medianMs();
    }

    /** What checking a device proof costs next to the Argon2id hash every sign-in makes, in percent. */
    private double proofShareOfHash() {
        return run.proofs().verifyMicros() / 10.0 / run.argon().medianMs();
    }

    String consoleTable() {
        StringBuilder text = new StringBuilder("\n");
        Argon2id.Timing argon = run.argon();
        text.append(format("Argon2id %s: median %.1f ms per hash; %d threads %.1f hashes/s; ceiling %.1f sign-ins/s%n",
                run.cost().phcParameters(), argon.medianMs(), argon.threads(), argon.parallelPerSecond(), ceiling()));
        text.append(format("Device proof ES256: median %.0f µs to make, %.0f µs to check: %.2f %% of one hash%n",
                run.proofs().signMicros(), run.proofs().verifyMicros(), proofShareOfHash()));
        AuthBenchmark.Logins logins = run.logins();
        if (logins != null) {
            text.append(format("%n%-8s %7s %8s %8s %8s %8s %8s %6s %6s %8s %9s %9s %8s %6s %6s%n", "sign-ins",
                    "workers", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms", "503", "errors", "ceiling",
                    "jwks p99", "auth CPU", "hash ms", "PG", "rest"));
            for (AuthBenchmark.Phase phase : List.of(logins.idle(), logins.steady(), logins.burst())) {
                LoadResult load = phase.load();
                CpuMeter.Usage cpu = phase.cpu();
                text.append(load == null
                        ? format("%-8s %7s %8s %8s %8s %8s %8s %6s %6s %8s", "idle", "-", "-", "-", "-", "-", "-",
                                "-", "-", "-")
                        : format("%-8s %7d %8.1f %8.1f %8.1f %8.1f %8.1f %6d %6d %8s", load.label(),
                                load.workers(), load.windowPerSecond(), load.percentileMs(50), load.percentileMs(95),
                                load.percentileMs(99), load.maxMs(), load.refused(503), load.errors(),
                                percent(load.windowPerSecond() / ceiling())));
                text.append(format(" %9.1f %9.2f %8.1f %6.2f %6.2f%n", phase.probe().percentileMs(99),
                        cpu.cores(AuthBenchmark.AUTH),
                        load == null ? Double.NaN : cpu.millisPer(AuthBenchmark.HASHING, load.successes()),
                        cpu.cores(AuthBenchmark.POSTGRES), cpu.otherCores()));
            }
        }
        AuthBenchmark.Verifications verifications = run.verifications();
        if (verifications != null) {
            text.append(format("%n%-8s %7s %8s %8s %8s %8s %8s %6s %10s %10s %6s%n", "checks", "workers", "per s",
                    "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "cache hit", "wallet CPU", "rest"));
            for (AuthBenchmark.Phase phase : List.of(verifications.cached(), verifications.fresh())) {
                LoadResult load = phase.load();
                TokenCacheCounters counters = phase.tokenCache();
                text.append(format("%-8s %7d %8.1f %8.1f %8.1f %8.1f %8.1f %6d %10s %10.2f %6.2f%n", load.label(),
                        load.workers(), load.perSecond(), load.percentileMs(50), load.percentileMs(95),
                        load.percentileMs(99), load.maxMs(), load.errors(),
                        counters == null ? "n/a" : percent(counters.hitRatio()),
                        phase.cpu().cores(AuthBenchmark.WALLET), phase.cpu().otherCores()));
            }
        }
        text.append("\nCPU in cores (of ").append(run.machine().cores())
                .append("); \"rest\" is the machine's busy time minus the measured processes.\n");
        return text.toString();
    }

    /** The section between the markers. */
    String markdownSection() {
        AuthOptions options = run.options();
        Argon2id.Cost cost = run.cost();
        StringBuilder md = new StringBuilder();
        md.append("## Sign-ins and token checks\n\n");
        md.append("Measured ").append(WHEN.format(run.startedAt())).append(" (commit ").append(run.machine().commit())
                .append(") with:\n\n    ").append(options.rerunCommand()).append("\n\n")
                .append("That command (see bench/README.md) rewrites this section: edits between its markers are lost.\n\n");
        Machine machine = run.machine();
        md.append(format("- Machine: %d cores%s, %s; JDK %s.%n  Load average (1 min) %.2f at start, %.2f at end;"
                + " the services, PostgreSQL and the load generator share these cores.%n", machine.cores(),
                machine.cpu().isEmpty() ? "" : " (" + machine.cpu() + ")", machine.architecture(), machine.jdk(),
                run.loadAtStart(), run.loadAtEnd()));
        md.append("- Services: the packaged jars, started by the local stack with JVM options `")
                .append(String.join(" ", options.jvmOptions())).append("`.\n");
        md.append("- PostgreSQL (embedded, data on disk in `bench/target/auth-bench-data`), as sessions of the auth")
                .append(" database see it:")
                .append(run.postgresSettings().entrySet().stream()
                        .map(setting -> "`" + setting.getKey() + "` " + setting.getValue())
                        .collect(Collectors.joining(", ", "\n  ", "")))
                .append(".\n");
        md.append(format("- Argon2id cost as configured (`kessai.auth.password.*`): memory %,d KiB, %d iterations,"
                + " parallelism %d;%n  hashing pool of %d workers with %d waiting, beyond which a sign-in is answered"
                + " 503.%n", cost.memoryKib(), cost.iterations(), cost.parallelism(), cost.workers(), cost.queue()));

        Argon2id.Timing argon = run.argon();
        md.append("\n### Argon2id, one hash\n\n");
        md.append("Timed in the benchmark's own JVM before the stack starts, with the code auth-service's")
                .append(" `PasswordHasher` runs\n(Bouncy Castle, same parameters), after a 2 s warm-up.\n\n");
        md.append("| Measure | Value |\n|---|---:|\n");
        md.append(format("| one hash, median of %d one after another (min–max) | %.1f ms (%.1f–%.1f) |%n",
                argon.hashes(), argon.medianMs(), argon.minMs(), argon.maxMs()));
        md.append(format("| %d threads hashing at once | %.1f hashes/s |%n", argon.threads(),
                argon.parallelPerSecond()));
        md.append(format("| ceiling: min(workers, cores) = %d hashes at once ÷ median hash | %.1f sign-ins/s |%n",
                Math.min(cost.workers(), machine.cores()), ceiling()));

        DeviceKeys.Timing proofs = run.proofs();
        md.append("\n### Device proof, one of each\n\n");
        md.append("Every sign-in carries a DPoP proof of the device key (ES256 over P-256), which auth-service checks")
                .append(" with jose4j\nbefore the password (`device/DpopVerifier`), and spends in one insert")
                .append(" (`dpop_proof`). Timed in the benchmark's JVM\nwith the same library calls, after a 2 s")
                .append(" warm-up; the sign-ins below carry one each.\n\n");
        md.append("| Measure | Value |\n|---|---:|\n");
        md.append(format("| make one proof (the app's part), median of %,d | %.0f µs |%n", proofs.proofs(),
                proofs.signMicros()));
        md.append(format("| check one proof (auth-service's part), median of %,d | %.0f µs |%n", proofs.proofs(),
                proofs.verifyMicros()));
        md.append(format("| the check next to one Argon2id hash | %.2f %% |%n", proofShareOfHash()));

        AuthBenchmark.Logins logins = run.logins();
        if (logins == null) {
            md.append("\nSign-ins: skipped (`--skipLogins`).\n");
        } else {
            appendLogins(md, logins);
        }
        AuthBenchmark.Verifications verifications = run.verifications();
        if (verifications == null) {
            md.append("\nToken checks: skipped (`--skipTokens`).\n");
        } else {
            appendVerifications(md, verifications);
        }
        appendCpu(md);
        return md.toString();
    }

    private void appendLogins(StringBuilder md, AuthBenchmark.Logins logins) {
        AuthOptions options = run.options();
        md.append("\n### Password sign-ins\n\n");
        md.append(format("`POST /v1/sessions` on auth-service by %,d users (active, written straight into its"
                + " database with one shared\nArgon2id hash), each from its bound device, so a sign-in needs the"
                + " password alone. Each one: a per-address\ntoken bucket (every request from its own"
                + " `X-Forwarded-For` address), the per-number lockout count, the user, one\nArgon2id"
                + " verification on the hashing pool, the lockout cleared, then one transaction (device, refresh"
                + " family,\nrefresh token, audit event) and an RS256-signed access token. Closed loop: each worker"
                + " sends the next\nsign-in when the last one is answered, on its own kept-alive connection."
                + " Warm-up %d s (%.1f sign-ins/s, not\ncounted), then %d s steady with %d workers and %d s burst"
                + " with %d.%n%n", logins.users(), options.warmupSeconds(), logins.warmup().windowPerSecond(),
                options.measureSeconds(), options.concurrency(), options.burstSeconds(), options.burstConcurrency()));
        md.append(format("- Sign-ins/s: sessions (201) answered within the phase, per second of it. Latency: from"
                + " sending to the answer,\n  sessions only. **503**: shed by the full hashing pool (its\n  %d"
                + " workers busy and %d waiting); **errors**: any other answer, e.g. 429 for a locked number (the"
                + " first\n  distinct ones are listed below the table); **drain**: time after the phase until the"
                + " last sign-in sent\n  in it was answered (what was still queued).%n"
                + "- Meanwhile one client asks `GET %s` (public keys, from memory) on its own connection, waiting"
                + "\n  %d ms between an answer and the next request; **idle** is %d s of that with no load.%n"
                + "- vs ceiling: sign-ins/s ÷ the ceiling from the single-hash time above.%n%n",
                run.cost().workers(), run.cost().queue(), AuthBenchmark.PROBED_PATH, options.probeMillis(),
                AuthBenchmark.IDLE_PROBE.toSeconds()));
        md.append("| Load | Workers | Sign-ins/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | 503 | Errors |"
                + " Drain (s) | vs ceiling | jwks p50 (ms) | jwks p99 (ms) | jwks max (ms) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (AuthBenchmark.Phase phase : List.of(logins.idle(), logins.steady(), logins.burst())) {
            LoadResult load = phase.load();
            Prober.Result probe = phase.probe();
            md.append(load == null
                    ? "| idle | — | — | — | — | — | — | — | — | — | —"
                    : format("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %,d | %d | %.1f | %s",
                            load.label(), load.workers(), load.windowPerSecond(), load.percentileMs(50),
                            load.percentileMs(95), load.percentileMs(99), load.maxMs(), load.refused(503),
                            load.errors(), load.drainSeconds(),
                            percent(load.windowPerSecond() / ceiling())));
            md.append(format(" | %.1f | %.1f | %.1f |%n", probe.percentileMs(50), probe.percentileMs(99),
                    probe.maxMs()));
        }
        md.append('\n');
        LoadResult burst = logins.burst().load();
        if (burst.refused(503) > 0) {
            md.append(format("- In the burst the 503s were answered in %.1f ms (p50), %.1f ms (p99).%n",
                    burst.refusalPercentileMs(50), burst.refusalPercentileMs(99)));
        }
        md.append(format("- Per-number lockout when a load ended (cleared before the next): %,d numbers with"
                + " failed attempts counted\n  (%,d locked) after steady, %,d (%,d locked) after the burst. A sign-in"
                + " shed with 503 is not counted\n  (its password was never checked), so a storm locks nobody out.%n",
                logins.afterSteady().counted(), logins.afterSteady().locked(),
                logins.afterBurst().counted(), logins.afterBurst().locked()));
        appendErrors(md, logins.steady().load(), burst);
    }

    private void appendVerifications(StringBuilder md, AuthBenchmark.Verifications verifications) {
        AuthOptions options = run.options();
        md.append("\n### Token checks in a resource server\n\n");
        md.append(format("`GET /v1/internal/whoami` on wallet-service (the caller's subject and roles: the bearer"
                + " token check and a small\nJSON answer). wallet-service checks tokens with quarkus-oidc (RS256"
                + " signature, issuer, audience, expiry) and\nremembers each verified token until it expires"
                + " (`VerifiedTokens`, at most 10,000 at a time). **cached**: one\nclient-credentials token from"
                + " auth-service on every request. **fresh**: %,d distinct service tokens signed\nbeforehand with"
                + " auth-service's key (%.1f s), one per request in turn, so a token comes back only after all the"
                + "\nothers, by which time the cache has forgotten it. %d workers; warm-up %d s on fresh tokens"
                + " (%.1f checks/s,\nnot counted), then %d s each. Checks/s count answers 200 until the last one;"
                + " cache hits and misses are\nwallet-service's own counters (`kessai.token.cache`) over"
                + " each scenario.\nThe load generator shares the cores with wallet-service (see below): the CPU per check"
                + " is the figure\nthat carries over to a machine of its own.%n%n", verifications.tokens(),
                verifications.mintSeconds(),
                options.verifyConcurrency(), options.warmupSeconds(), verifications.warmup().perSecond(),
                options.measureSeconds()));
        md.append("| Scenario | Checks/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | Errors | Cache hits | Misses |"
                + " wallet-service CPU per check (ms) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        appendVerification(md, "cached: the same token again", verifications.cached());
        appendVerification(md, "fresh: a distinct token each time", verifications.fresh());
        appendErrors(md, verifications.cached().load(), verifications.fresh().load());
    }

    private static void appendVerification(StringBuilder md, String label, AuthBenchmark.Phase phase) {
        LoadResult load = phase.load();
        TokenCacheCounters counters = phase.tokenCache();
        md.append(format("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %d | %s | %s | %.3f |%n", label,
                load.perSecond(), load.percentileMs(50), load.percentileMs(95), load.percentileMs(99), load.maxMs(),
                load.errors(), counters == null ? "n/a" : format("%,.0f", counters.hits()),
                counters == null ? "n/a" : format("%,.0f", counters.misses()),
                phase.cpu().millisPer(AuthBenchmark.WALLET, load.successes())));
    }

    /** Where the CPU went in each phase, to tell the services' cost from other load on the machine. */
    private void appendCpu(StringBuilder md) {
        md.append(format("%n### Where the CPU went%n%nCores used during each phase (of %d), from the processes' CPU"
                + " time; **of which hashing** is\nauth-service's `password-hasher` threads; **rest** is the machine's busy"
                + " time (`/proc/stat`) minus these\nprocesses: the idle services, and anything else running on the"
                + " machine. A large rest means the figures\nabove were measured on a busy machine. Compare the"
                + " hashing CPU per sign-in with the single hash above.%n%n", run.machine().cores()));
        md.append("| Phase | auth-service | of which hashing | wallet-service | PostgreSQL | load generator | rest |"
                + " CPU per unit |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        AuthBenchmark.Logins logins = run.logins();
        if (logins != null) {
            appendCpuRow(md, "sign-ins idle (probe only)", logins.idle(), null, 0);
            appendCpuRow(md, "sign-ins steady", logins.steady(), AuthBenchmark.AUTH,
                    logins.steady().load().successes());
            appendCpuRow(md, "sign-ins burst", logins.burst(), AuthBenchmark.AUTH, logins.burst().load().successes());
        }
        AuthBenchmark.Verifications verifications = run.verifications();
        if (verifications != null) {
            appendCpuRow(md, "token checks cached", verifications.cached(), AuthBenchmark.WALLET,
                    verifications.cached().load().successes());
            appendCpuRow(md, "token checks fresh", verifications.fresh(), AuthBenchmark.WALLET,
                    verifications.fresh().load().successes());
        }
    }

    private static void appendCpuRow(StringBuilder md, String label, AuthBenchmark.Phase phase, String service,
            long work) {
        CpuMeter.Usage cpu = phase.cpu();
        String perUnit = service == null
                ? "—"
                : service.equals(AuthBenchmark.AUTH)
                        ? format("auth-service %.1f ms per sign-in, hashing %.1f ms", cpu.millisPer(service, work),
                                cpu.millisPer(AuthBenchmark.HASHING, work))
                        : format("wallet-service %.3f ms per check", cpu.millisPer(service, work));
        md.append(format("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |%n", label,
                cpu.cores(AuthBenchmark.AUTH), cpu.cores(AuthBenchmark.HASHING), cpu.cores(AuthBenchmark.WALLET),
                cpu.cores(AuthBenchmark.POSTGRES), cpu.cores(AuthBenchmark.GENERATOR), cpu.otherCores(), perUnit));
    }

    private static void appendErrors(StringBuilder md, LoadResult... loads) {
        boolean any = false;
        for (LoadResult load : loads) {
            for (Map.Entry<String, Long> sample : load.errorSamples().entrySet()) {
                if (!any) {
                    md.append("\nFirst distinct error answers:\n\n");
                    any = true;
                }
                md.append(format("- %s, ×%d: `%s`%n", load.label(), sample.getValue(),
                        sample.getKey().replace("`", "'")));
            }
        }
    }

    void writeInto(Path file) throws IOException {
        SECTION.writeInto(file, markdownSection());
    }

    private static String percent(double ratio) {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "n/a" : format("%.0f %%", ratio * 100);
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
