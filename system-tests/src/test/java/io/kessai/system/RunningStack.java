package io.kessai.system;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * Starts the real stack (embedded PostgreSQL + the four packaged services as processes) once per test JVM, on free
 * ports and in a throw-away data folder, and stops it when all tests are done. Test classes share it with
 * {@code @ExtendWith(RunningStack.class)} and {@link #stack()}.
 */
public final class RunningStack implements BeforeAllCallback {

    private static LocalStack stack;

    public static LocalStack stack() {
        if (stack == null) {
            throw new IllegalStateException("add @ExtendWith(RunningStack.class) to the test class");
        }
        return stack;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        synchronized (RunningStack.class) {
            if (stack != null) {
                return;
            }
            Path repository = Path.of(System.getProperty("kessai.repository", "..")).toAbsolutePath().normalize();
            Path data = Files.createDirectories(repository.resolve("system-tests/target/stack"));
            Map<Service, Integer> ports = new EnumMap<>(Service.class);
            for (Service service : Service.values()) {
                ports.put(service, freePort());
            }
            LocalStack.Settings settings = LocalStack.settings(repository, data).withPorts(0, ports).ephemeral();
            long startNs = System.nanoTime();
            stack = LocalStack.start(settings);
            System.out.printf("Kessai stack ready in %d ms (logs in %s)%n", (System.nanoTime() - startNs) / 1_000_000,
                    data.resolve("logs"));
            // Closed when the root context closes, i.e. after the last test class of this JVM.
            context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .put(RunningStack.class.getName(), (ExtensionContext.Store.CloseableResource) RunningStack::stop);
        }
    }

    private static synchronized void stop() {
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
