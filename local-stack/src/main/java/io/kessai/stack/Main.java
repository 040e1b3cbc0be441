package io.kessai.stack;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The {@code ./kessai} launcher: {@code up} runs the stack in the foreground until Ctrl-C, {@code reset} deletes its
 * data. Every user-fixable failure ends in a single line on stderr and exit code 1.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Logger.getLogger("").setLevel(Level.WARNING);
        Logger.getLogger("io.zonky").setLevel(Level.SEVERE);
        String command = args.length == 0 ? "up" : args[0];
        Path repository = Path.of(System.getProperty("kessai.repository", ".")).toAbsolutePath().normalize();
        Path data = Path.of(env("KESSAI_HOME", repository.resolve(".kessai").toString())).toAbsolutePath().normalize();
        try {
            switch (command) {
                case "up" -> up(repository, data, replicas(args));
                case "reset" -> reset(data);
                default -> throw new StackException("unknown command '" + command + "' (use: up, reset)");
            }
        } catch (StackException e) {
            fail(e.getMessage());
        } catch (Exception e) {
            fail("could not start the stack: " + e.getMessage());
        }
    }

    /** {@code up --replicas N}: N processes of each service behind HAProxy; 1 (no balancer) by default. */
    private static int replicas(String[] args) {
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--replicas") && i + 1 < args.length) {
                try {
                    int replicas = Integer.parseInt(args[i + 1]);
                    if (replicas >= 1 && replicas <= 8) {
                        return replicas;
                    }
                } catch (NumberFormatException notANumber) {
                    // the message below
                }
                throw new StackException("--replicas takes a number from 1 to 8, not '" + args[i + 1] + "'");
            }
            throw new StackException("unknown option '" + args[i] + "' (use: up [--replicas N])");
        }
        return 1;
    }

    private static void up(Path repository, Path data, int replicas) throws Exception {
        Files.createDirectories(data);
        try (FileChannel lockFile = FileChannel.open(data.resolve("stack.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
                FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new StackException("Kessai is already running with data in " + data
                        + " (stop it with Ctrl-C where it runs, or set KESSAI_HOME for a second one)");
            }
            LocalStack.Settings settings = configuredPorts(LocalStack.settings(repository, data))
                    .withReplicas(replicas);
            long startNs = System.nanoTime();
            System.out.println("Starting Kessai (data in " + data + ") ...");
            LocalStack stack = LocalStack.start(settings);
            CountDownLatch stopped = new CountDownLatch(1);
            // LocalStack's own hook stops the processes as well; this one tells the user, and close() returns to
            // whichever hook calls it second only once everything is stopped.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.println("\nStopping Kessai ...");
                stack.close();
                System.out.println("Stopped. Data kept in " + data + " (./kessai reset deletes it).");
                stopped.countDown();
            }, "kessai-stop"));
            printWelcome(stack, data, (System.nanoTime() - startNs) / 1_000_000);
            stopped.await();
        }
    }

    private static LocalStack.Settings configuredPorts(LocalStack.Settings defaults) {
        int postgresPort = Integer.parseInt(env("KESSAI_PG_PORT", String.valueOf(defaults.postgresPort())));
        ensureFree(postgresPort, "PostgreSQL", "KESSAI_PG_PORT");
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            int port = Integer.parseInt(env(service.portVariable(), String.valueOf(service.defaultPort())));
            ensureFree(port, service.module(), service.portVariable());
            ports.put(service, port);
        }
        return defaults.withPorts(postgresPort, ports);
    }

    private static void ensureFree(int port, String what, String variable) {
        if (!FreePorts.bindable(port)) {
            throw new StackException("port " + port + " for " + what + " is busy; free it or choose another with "
                    + variable + "=<port>");
        }
    }

    private static void printWelcome(LocalStack stack, Path data, long startMs) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%nKessai is up in %.1f s.%n%n", startMs / 1000.0));
        out.append(String.format("  %-22s %-24s %-40s %s%n", "service", "API", "Swagger UI", "metrics"));
        for (Service service : Service.values()) {
            String base = stack.url(service).toString();
            out.append(String.format("  %-22s %-24s %-40s %s%n", service.module(), base, base + "/q/swagger-ui",
                    base + "/q/metrics"));
        }
        if (stack.replicaCount() > 1) {
            out.append(String.format(
                    "%n  Each service runs %d replicas behind HAProxy on the ports above (health checks"
                            + " on /q/health/ready; its log is %s).%n",
                    stack.replicaCount(), data.resolve("logs/haproxy.log")));
        }
        out.append(String.format("%n  OIDC discovery  %s/.well-known/openid-configuration%n", stack.url(Service.AUTH)));
        out.append(String.format("  PostgreSQL      127.0.0.1:%d (user postgres, one database per service)%n",
                stack.postgresPort()));
        out.append(String.format("  Logs            %s%n", data.resolve("logs")));
        out.append(String.format("  Client secrets  %s (one per service, and %s for ops)%n",
                data.resolve("secrets.properties"), LocalStack.OPS_CLIENT));
        out.append(String.format("%nPress Ctrl-C to stop. Data survives restarts; ./kessai reset deletes it.%n"));
        System.out.print(out);
    }

    private static void reset(Path data) throws IOException {
        if (!Files.exists(data)) {
            System.out.println("Nothing to reset: " + data + " does not exist.");
            return;
        }
        try (FileChannel lockFile = FileChannel.open(data.resolve("stack.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
                FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new StackException("Kessai is running with data in " + data + "; stop it before a reset");
            }
        }
        try (Stream<Path> files = Files.walk(data)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        System.out.println("Deleted " + data + ": the next ./kessai up starts with empty databases and new keys.");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static void fail(String message) {
        System.err.println("kessai: " + message);
        System.exit(1);
    }
}
