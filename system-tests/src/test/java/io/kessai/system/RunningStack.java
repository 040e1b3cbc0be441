package io.kessai.system;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * Starts the real stack (embedded PostgreSQL + the four packaged services as processes) once per test JVM, on free
 * ports and in a data folder of its own, and stops it when all tests are done. Test classes share it with
 * {@code @ExtendWith(RunningStack.class)} and {@link #stack()}.
 *
 * <p>Each run gets a new folder {@code system-tests/target/stack/<date>-<time>-<random>}: signing keys, client
 * secrets and logs of an earlier run (which would make auth-service rotate its key once it is 30 days old, and made
 * reruns share state) are never seen again, while the logs of a failed run stay for reading.
 */
public final class RunningStack implements BeforeAllCallback, BeforeEachCallback {

    /**
     * The one operator of the stack (auth-service's {@code kessai.auth.operators}): an account {@link StackUsers#operator}
     * makes with this id, whose sign-ins carry role {@code ops} and may step up for ops actions that move money.
     */
    static final String OPERATOR_ID = "0194a000-0000-7000-8000-00000000ab01";

    /** The services' shutdown delay here, as a deployment behind a load balancer sets it. */
    static final String SHUTDOWN_DELAY = "2S";

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
            Path runs = Files.createDirectories(repository.resolve("system-tests/target/stack"));
            Path data = Files.createTempDirectory(runs,
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-")));
            LocalStack.Settings defaults = LocalStack.settings(repository, data).withFreePorts();
            // Stopped as a cluster stops a pod behind a balancer: on SIGTERM readiness goes DOWN and requests are
            // still served for the delay, then new ones are refused (GracefulShutdownIT).
            List<String> jvmOptions = new ArrayList<>(defaults.jvmOptions());
            jvmOptions.add("-Dquarkus.shutdown.delay=" + SHUTDOWN_DELAY);
            jvmOptions.add("-Dkessai.auth.operators=" + OPERATOR_ID);
            LocalStack.Settings settings = defaults.withJvmOptions(jvmOptions);
            long startNs = System.nanoTime();
            stack = LocalStack.start(settings);
            System.out.printf("Kessai stack ready in %d ms (data and logs in %s)%n",
                    (System.nanoTime() - startNs) / 1_000_000, data);
            // Closed when the root context closes, i.e. after the last test class of this JVM. LocalStack's own
            // shutdown hook stops the processes if this JVM ends without getting there.
            context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .put(RunningStack.class.getName(), (ExtensionContext.Store.CloseableResource) RunningStack::stop);
        }
    }

    /**
     * A test that stops a service restarts it, but if that restart failed (or a service died), every later test
     * would fail for a reason of its own: start what is not running first, and say so.
     */
    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        synchronized (RunningStack.class) {
            List<Service> relaunched = stack().ensureRunning();
            if (!relaunched.isEmpty()) {
                System.out.printf("Kessai stack: %s was not running before %s and was started again (see %s)%n",
                        relaunched, context.getDisplayName(), stack.logFile(relaunched.get(0)).getParent());
            }
        }
    }

    private static synchronized void stop() {
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }
}
