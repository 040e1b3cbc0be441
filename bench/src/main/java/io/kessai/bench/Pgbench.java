package io.kessai.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs PostgreSQL's pgbench with its built-in TPC-B-like script against the stack's server and reads the TPS it
 * reports: what this PostgreSQL sustains for a small write transaction with no application in between.
 */
final class Pgbench {

    static final String DATABASE = "pgbench";

    /** One timed pgbench run and its parameters. */
    record Result(String label, int clients, int threads, int seconds, double tps, double latencyAverageMs,
            long transactions) {
    }

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
    private static final Pattern TRANSACTIONS = Pattern
            .compile("number of transactions actually processed: ([0-9]+)");

    private final Path executable;
    private final PostgresServer server;

    private Pgbench(Path executable, PostgresServer server) {
        this.executable = executable;
        this.server = server;
    }

    /**
     * pgbench at {@code executable} against {@code server}, its tables made afresh ({@code scale} × 100,000 accounts);
     * null when the run has no pgbench ({@code --skipPgbench}).
     */
    static Pgbench initialized(Path executable, PostgresServer server, int scale)
            throws IOException, InterruptedException {
        if (executable == null) {
            return null;
        }
        System.out.println("pgbench: initializing scale " + scale + " ...");
        Pgbench pgbench = new Pgbench(executable, server);
        pgbench.run(List.of("-i", "-s", String.valueOf(scale), "-q"));
        return pgbench;
    }

    /** Finds pgbench on the PATH (or in /usr/bin) before anything slow starts, so a missing tool fails at once. */
    static Path locate() {
        List<Path> candidates = new ArrayList<>();
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!directory.isEmpty()) {
                candidates.add(Path.of(directory, "pgbench"));
            }
        }
        candidates.add(Path.of("/usr/bin/pgbench"));
        return candidates.stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new BenchmarkException(
                        "pgbench not found: install postgresql-client (e.g. sudo apt-get install postgresql-client),"
                                + " or run with --skipPgbench"));
    }

    /** Runs the TPC-B-like script for {@code seconds}, progress every 5 s; pgbench vacuums its tables first. */
    Result measure(String label, int clients, int threads, int seconds) throws IOException, InterruptedException {
        String output = run(List.of("-c", String.valueOf(clients), "-j", String.valueOf(Math.min(threads, clients)),
                "-T", String.valueOf(seconds), "-P", "5"));
        return new Result(label, clients, Math.min(threads, clients), seconds,
                Double.parseDouble(find(TPS, output)), Double.parseDouble(find(LATENCY, output)),
                Long.parseLong(find(TRANSACTIONS, output)));
    }

    /**
     * Runs a {@code CHECKPOINT} first, so that a checkpoint and the full-page writes after it fall in no measured
     * phase, then {@link #measure}, saying what it runs and what came out.
     */
    Result measureAfterCheckpoint(String label, int clients, int threads, int seconds) throws Exception {
        server.checkpoint();
        System.out.println("pgbench (" + label + "): " + seconds + " s ...");
        Result result = measure(label, clients, threads, seconds);
        System.out.printf("pgbench (%s): %.1f TPS%n", label, result.tps());
        return result;
    }

    /** Runs pgbench against the benchmark database, echoing its output indented, and returns that output. */
    private String run(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "-h", "127.0.0.1", "-p",
                String.valueOf(server.port()), "-U", PostgresServer.USER));
        command.addAll(arguments);
        command.add(DATABASE);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // A developer's PG* variables (PGDATABASE, PGOPTIONS, ...) must not change what is measured.
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        Process process = builder.start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                System.out.println("    " + line);
                output.append(line).append('\n');
            }
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new BenchmarkException("pgbench " + String.join(" ", arguments) + " failed with exit code " + exit
                    + ": " + Json.abbreviate(output.toString(), 300));
        }
        return output.toString();
    }

    private static String find(Pattern pattern, String output) {
        Matcher match = pattern.matcher(output);
        if (!match.find()) {
            throw new BenchmarkException("pgbench printed no '" + pattern.pattern() + "'; its output ends: "
                    + Json.abbreviate(output.substring(Math.max(0, output.length() - 300)), 300));
        }
        return match.group(1);
    }
}
