package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import io.gatling.app.Gatling$;

/**
 * Runs a Gatling simulation inside this JVM, as Gatling's own launcher does ({@code io.gatling.app.Gatling}'s
 * {@code fromArgs}, which returns instead of exiting), and finds the HTML report it wrote: Gatling makes a folder
 * {@code <simulation>-<timestamp>} under the results folder, with {@code index.html} in it.
 */
final class GatlingRun {

    /**
     * When the saturation search stops a run, virtual users still under way run into Gatling's stopped engine, and
     * Gatling logs each at SEVERE with its stack. Held here: java.util.logging keeps loggers only weakly.
     */
    private static final List<Logger> QUIETED = List.of(Logger.getLogger("io.gatling.core.action"),
            Logger.getLogger("io.gatling.core.actor"));

    private GatlingRun() {
    }

    /** Runs {@code simulation} and returns its report's {@code index.html}. */
    static Path run(Class<?> simulation, Path resultsFolder, String description) throws IOException {
        Files.createDirectories(resultsFolder);
        QUIETED.forEach(logger -> logger.setLevel(Level.OFF));
        long startedMillis = System.currentTimeMillis();
        // Gatling reads its settings (gatling-defaults.conf) with system properties on top; a payment that takes
        // longer than this is an error, not a data point a minute late.
        System.setProperty("gatling.http.requestTimeout", "10000");
        // A benchmark sends nothing anywhere but to the stack, and prints a short summary every 10 s.
        System.setProperty("gatling.data.enableAnalytics", "false");
        System.setProperty("gatling.data.console.light", "true");
        System.setProperty("gatling.data.console.writePeriod", "10");
        int status = Gatling$.MODULE$.fromArgs(new String[]{"--simulation", simulation.getName(),
                "--results-folder", resultsFolder.toAbsolutePath().toString(), "--run-description", description,
                "--launcher", "kessai-bench"});
        if (status != 0) {
            throw new BenchmarkException("Gatling ended with status " + status + " (see its output above)");
        }
        try (Stream<Path> runs = Files.list(resultsFolder)) {
            return runs.filter(Files::isDirectory)
                    .filter(folder -> folder.toFile().lastModified() >= startedMillis - 1000)
                    .map(folder -> folder.resolve("index.html"))
                    .filter(Files::exists)
                    .max(Comparator.comparingLong(index -> index.toFile().lastModified()))
                    .orElseThrow(() -> new BenchmarkException("Gatling wrote no report under " + resultsFolder));
        }
    }
}
