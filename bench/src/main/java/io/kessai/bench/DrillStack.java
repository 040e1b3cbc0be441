package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.kessai.stack.TcpProxy;

/**
 * The stack the drill breaks: {@link DrillOptions#replicas()} replicas of each service behind HAProxy, the services
 * reaching PostgreSQL and each other through fault proxies, PostgreSQL with a synchronous standby; a fresh data folder.
 */
final class DrillStack implements AutoCloseable {

    private final LocalStack stack;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private DrillStack(LocalStack stack) {
        this.stack = stack;
    }

    static DrillStack start(DrillOptions options, Path data, List<String> jvmOptions) throws Exception {
        BenchStack.deleteRecursively(data);
        System.out.printf("Starting the stack: %d replicas of each service behind HAProxy, PostgreSQL with a"
                + " synchronous standby (data in %s) ...%n", options.replicas(), data);
        long startNs = System.nanoTime();
        LocalStack stack = LocalStack.start(LocalStack.settings(options.repository(), data).withFreePorts()
                .withJvmOptions(jvmOptions).withReplicas(options.replicas()).withFaultInjection());
        System.out.printf("  up in %.1f s%n", (System.nanoTime() - startNs) / 1e9);
        return new DrillStack(stack);
    }

    LocalStack stack() {
        return stack;
    }

    TcpProxy walletProxy() {
        return stack.faultProxy(Service.WALLET);
    }

    void crashPostgres() throws Exception {
        stack.crashPostgres();
    }

    void restartPostgres() throws Exception {
        stack.restartPostgres();
    }

    void failover() throws Exception {
        stack.failover();
    }

    /**
     * Waits until the stack is whole again: every replica of every service running and taking traffic at the
     * balancer (a process that died is started again: that is what a Deployment does), and payment-service's
     * {@code /v1/status} ok.
     */
    void awaitRecovered(Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        List<Service> restarted = stack.ensureRunning();
        if (!restarted.isEmpty()) {
            System.out.println("  started again after the fault: " + restarted);
        }
        URI status = stack.url(Service.PAYMENT).resolve("/v1/status");
        String last = "not asked";
        while (System.nanoTime() < deadline) {
            Map<String, String> states = stack.balancerStates();
            boolean allUp = states.values().stream().allMatch(state -> state.startsWith("UP"));
            if (allUp) {
                try {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(status)
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    last = answer.statusCode() + " " + Json.abbreviate(answer.body(), 300);
                    if (answer.statusCode() == 200 && "ok".equals(Json.field(answer.body(), "status"))) {
                        return;
                    }
                } catch (java.io.IOException e) {
                    last = e.toString();
                }
            } else {
                last = "balancer: " + states;
            }
            Thread.sleep(250);
        }
        throw new BenchmarkException("the stack did not recover: " + last);
    }

    @Override
    public void close() {
        System.out.println("Stopping the stack ...");
        stack.close();
    }
}
