package io.kessai.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * The stack a benchmark measures: PostgreSQL and the four services from their packaged jars, on free loopback ports,
 * with a fresh data folder; stopped on close or on Ctrl-C.
 */
final class BenchStack implements AutoCloseable {

    private final LocalStack stack;
    private final Thread stopOnCtrlC;

    private BenchStack(LocalStack stack) {
        this.stack = stack;
        this.stopOnCtrlC = new Thread(stack::close, "bench-stop");
        Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
    }

    /**
     * Starts the stack with its data in {@code data}, deleted first. A persistent folder (not a temporary one) so that
     * PostgreSQL runs with fsync on, as in production.
     */
    static BenchStack start(Path repository, Path data, List<String> jvmOptions) throws Exception {
        deleteRecursively(data);
        System.out.println("Starting the stack (data in " + data + ") ...");
        return new BenchStack(LocalStack.start(settings(repository, data, jvmOptions)));
    }

    LocalStack stack() {
        return stack;
    }

    @Override
    public void close() {
        System.out.println("Stopping the stack ...");
        stack.close();
        Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
    }

    /** Free loopback ports for the services, as the system tests pick them; PostgreSQL picks its own (port 0). */
    private static LocalStack.Settings settings(Path repository, Path data, List<String> jvmOptions)
            throws IOException {
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            ports.put(service, freePort());
        }
        LocalStack.Settings defaults = LocalStack.settings(repository, data).withPorts(0, ports);
        return new LocalStack.Settings(defaults.repository(), defaults.dataDirectory(), defaults.persistent(),
                defaults.postgresPort(), defaults.ports(), defaults.readyTimeout(), jvmOptions);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
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
