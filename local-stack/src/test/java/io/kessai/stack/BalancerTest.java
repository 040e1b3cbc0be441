package io.kessai.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HAProxy configuration the stack writes for its replicas: accepted by HAProxy itself, with the health checks and
 * the retry rules that make a killed or restarting replica cost no request (and a 503 never retried).
 */
class BalancerTest {

    private static Map<Service, Integer> frontends() {
        Map<Service, Integer> frontends = new EnumMap<>(Service.class);
        frontends.put(Service.PAYMENT, 18083);
        frontends.put(Service.WALLET, 18082);
        return frontends;
    }

    private static Map<Service, List<Integer>> replicas() {
        Map<Service, List<Integer>> replicas = new EnumMap<>(Service.class);
        replicas.put(Service.PAYMENT, List.of(21001, 21002));
        replicas.put(Service.WALLET, List.of(21003, 21004));
        return replicas;
    }

    @Test
    void everyReplicaIsHealthCheckedAndOnlyUndeliveredRequestsAreRetried() {
        String config = Balancer.configuration(frontends(), replicas(), 19999);
        assertTrue(config.contains("bind 127.0.0.1:18083\n    default_backend payment-service"), config);
        assertTrue(config.contains("server payment-service-1 127.0.0.1:21001 check"), config);
        assertTrue(config.contains("server payment-service-2 127.0.0.1:21002 check"), config);
        assertTrue(config.contains("server wallet-service-2 127.0.0.1:21004 check"), config);
        assertTrue(config.contains("http-check send meth GET uri /q/health/ready"), config);
        assertTrue(config.contains("retry-on conn-failure empty-response\n"), "no 503 retry: " + config);
        assertTrue(config.contains("hdr Retry-After 1"), config);
        assertEquals("payment-service-2", Balancer.serverName(Service.PAYMENT, 2));
    }

    @Test
    void haproxyAcceptsTheConfiguration(@TempDir Path folder) throws Exception {
        Path haproxy;
        try {
            haproxy = Balancer.locate();
        } catch (StackException notInstalled) {
            assumeTrue(false, "HAProxy is not installed (apt-get install haproxy; .ci/run installs it)");
            return;
        }
        Path file = folder.resolve("haproxy.cfg");
        Files.writeString(file, Balancer.configuration(frontends(), replicas(), 19999));
        Process check = new ProcessBuilder(haproxy.toString(), "-c", "-f", file.toString()).redirectErrorStream(true)
                .start();
        String output = new String(check.getInputStream().readAllBytes());
        assertEquals(0, check.waitFor(), output);
    }
}
