package io.kessai.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy in front of each service's replicas, as a cluster's Service and ingress stand in front of its pods: one
 * frontend per service on the port the other services and the clients know, round robin over the replicas that pass
 * their health check ({@code GET /q/health/ready} every 500 ms, out after two failures, back after one success).
 *
 * <p>What it does when a replica goes away is what makes a rolling restart cost no request: a request whose connection
 * to a replica failed or that got no answer at all (a killed or restarting process, a keep-alive connection the replica
 * closed as HAProxy reused it) is sent again to another replica, which is safe because every write the services take
 * carries an idempotency key. A 503 is never retried here: it is a service's own "not now" (shedding, a dependency
 * down), and retrying it would multiply a surge. With no replica up the balancer answers 503 itself, as a problem with
 * {@code Retry-After}, like the services.
 *
 * <p>HAProxy comes from the distribution's packages ({@code apt-get install haproxy}); {@link #locate()} says so in one
 * line when it is missing.
 */
final class Balancer implements AutoCloseable {

    private static final Duration START_WAIT = Duration.ofSeconds(10);

    private final Process process;
    private final int statsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private Balancer(Process process, int statsPort) {
        this.process = process;
        this.statsPort = statsPort;
    }

    /** The haproxy executable on PATH, or a {@link StackException} telling what to install. */
    static Path locate() {
        for (String directory : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            for (String name : List.of("haproxy")) {
                Path candidate = Path.of(directory, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        for (Path candidate : List.of(Path.of("/usr/sbin/haproxy"), Path.of("/usr/local/sbin/haproxy"))) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new StackException("several replicas need HAProxy as their load balancer: install it with"
                + " 'sudo apt-get install haproxy' (Debian/Ubuntu) or 'brew install haproxy' (macOS)");
    }

    /**
     * Writes the configuration into {@code directory} and starts HAProxy in the foreground (it stops with this JVM's
     * stack). {@code frontends}: each service's public port; {@code replicas}: each service's replica ports, replica 1
     * first.
     */
    static Balancer start(Path directory, Map<Service, Integer> frontends, Map<Service, List<Integer>> replicas,
            Path log) throws IOException, InterruptedException {
        Path executable = locate();
        int statsPort = FreePorts.pick();
        Files.createDirectories(directory);
        Path configuration = directory.resolve("haproxy.cfg");
        Files.writeString(configuration, configuration(frontends, replicas, statsPort));
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(executable.toString(), "-db", "-f", configuration.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Balancer balancer = new Balancer(process, statsPort);
        Instant deadline = Instant.now().plus(START_WAIT);
        while (true) {
            if (!process.isAlive()) {
                throw new StackException("HAProxy exited with code " + process.exitValue() + " at start; see " + log);
            }
            try {
                balancer.states();
                return balancer;
            } catch (IOException notYetListening) {
                if (Instant.now().isAfter(deadline)) {
                    balancer.close();
                    throw new StackException("HAProxy did not answer within " + START_WAIT.toSeconds() + " s; see "
                            + log);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The server name of a replica in HAProxy's configuration and statistics. */
    static String serverName(Service service, int number) {
        return service.module() + "-" + number;
    }

    static String configuration(Map<Service, Integer> frontends, Map<Service, List<Integer>> replicas,
            int statsPort) {
        StringBuilder config = new StringBuilder(
                """
                        # Written by the Kessai local stack at each start; edits are overwritten.
                        global
                            maxconn 8192
                            log stderr format raw local0 warning

                        defaults
                            mode http
                            log global
                            option httplog
                            timeout connect 1s
                            timeout client 65s
                            timeout server 60s
                            timeout queue 5s
                            timeout http-keep-alive 30s
                            # Another replica gets a request that could not be delivered or got no answer: writes carry
                            # idempotency keys, so a second delivery is answered from the first. Never a 503 (see Balancer).
                            retries 3
                            option redispatch 1
                            retry-on conn-failure empty-response
                            # No replica up: a problem with Retry-After, as the services answer "not now".
                            http-error status 503 content-type application/problem+json string \
                        "{\\"type\\":\\"https://kessai.io/problems/service-unavailable\\",\\"title\\":\\"Service unavailable\\",\\"status\\":503,\\"detail\\":\\"No replica is ready; retry (with the same Idempotency-Key) in a moment.\\"}" \
                        hdr Retry-After 1
                            default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1

                        frontend stats
                            bind 127.0.0.1:%d
                            stats enable
                            stats uri /stats
                            stats refresh 1s
                        """
                        .formatted(statsPort));
        for (Map.Entry<Service, List<Integer>> service : replicas.entrySet()) {
            String name = service.getKey().module();
            config.append("\nfrontend ").append(name).append('\n')
                    .append("    bind 127.0.0.1:").append(frontends.get(service.getKey())).append('\n')
                    .append("    default_backend ").append(name).append('\n')
                    .append("\nbackend ").append(name).append('\n')
                    .append("    balance roundrobin\n")
                    .append("    option httpchk\n")
                    .append("    http-check send meth GET uri /q/health/ready\n")
                    .append("    http-check expect status 200\n");
            List<Integer> ports = service.getValue();
            for (int number = 1; number <= ports.size(); number++) {
                config.append("    server ").append(serverName(service.getKey(), number)).append(" 127.0.0.1:")
                        .append(ports.get(number - 1)).append(" check\n");
            }
        }
        return config.toString();
    }

    /** Each server's state as HAProxy sees it ({@code UP}, {@code DOWN}, ...), by server name. */
    Map<String, String> states() throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort
                + "/stats;csv")).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IOException("HAProxy's statistics answered " + answer.statusCode());
        }
        List<String> lines = answer.body().lines().toList();
        List<String> header = List.of(lines.getFirst().replaceFirst("^# ", "").split(","));
        int serverColumn = header.indexOf("svname");
        int statusColumn = header.indexOf("status");
        Map<String, String> states = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] columns = line.split(",", -1);
            if (columns.length > statusColumn && !"FRONTEND".equals(columns[serverColumn])
                    && !"BACKEND".equals(columns[serverColumn])) {
                states.put(columns[serverColumn], columns[statusColumn]);
            }
        }
        return states;
    }

    /**
     * Waits until HAProxy sees the replica {@code up} (its health check passed: it takes traffic) or not (it gets
     * none), as a rolling update waits for a new pod's readiness before it stops the next one.
     */
    void await(Service service, int number, boolean up, Duration timeout) throws Exception {
        String server = serverName(service, number);
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            String state = states().getOrDefault(server, "unknown");
            if (up == state.startsWith("UP") && !state.contains("going")) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new StackException("HAProxy still sees " + server + " as " + state + " after "
                        + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
