package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.kessai.stack.LocalStack;

/**
 * The stack a benchmark measures: PostgreSQL and the four services from their packaged jars, on free loopback ports,
 * with a fresh data folder; stopped on close or on Ctrl-C.
 */
final class BenchStack implements AutoCloseable {

    private final LocalStack stack;

    /** On Ctrl-C, LocalStack's own shutdown hook stops the processes. */
    private BenchStack(LocalStack stack) {
        this.stack = stack;
    }

    /**
     * Starts the stack with its data in {@code data}, deleted first; PostgreSQL runs durable there (fsync and
     * synchronous_commit on), as in production.
     */
    static BenchStack start(Path repository, Path data, List<String> jvmOptions, String synchronousCommit)
            throws Exception {
        return start(repository, data, jvmOptions, synchronousCommit, Map.of());
    }

    /** As above, with PostgreSQL server settings of the benchmark's own ({@code shared_preload_libraries}). */
    static BenchStack start(Path repository, Path data, List<String> jvmOptions, String synchronousCommit,
            Map<String, String> postgresSettings) throws Exception {
        deleteRecursively(data);
        List<String> options = new ArrayList<>(jvmOptions);
        if ("off".equals(synchronousCommit)) {
            // Measuring what durability costs, on purpose: the services would otherwise refuse such a database.
            options.add("-Dkessai.db.require-durable-commits=false");
        }
        System.out.println("Starting the stack (data in " + data + ") ...");
        return new BenchStack(LocalStack.start(settings(repository, data, options)
                .withPostgresSettings(postgresSettings)));
    }

    LocalStack stack() {
        return stack;
    }

    @Override
    public void close() {
        System.out.println("Stopping the stack ...");
        stack.close();
    }

    /** Free loopback ports for PostgreSQL and the services, as the system tests pick them. */
    private static LocalStack.Settings settings(Path repository, Path data, List<String> jvmOptions) {
        return LocalStack.settings(repository, data).withFreePorts().withJvmOptions(jvmOptions);
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
