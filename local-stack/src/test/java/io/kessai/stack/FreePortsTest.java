package io.kessai.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Ports for servers started a moment later: distinct, bindable, and never where outgoing connections take theirs. */
class FreePortsTest {

    @Test
    void picksAreDistinctBindableAndOutsideTheEphemeralRange() {
        int[] ephemeral = FreePorts.ephemeralRange();
        List<Integer> first = FreePorts.pick(5);
        List<Integer> second = FreePorts.pick(5);
        Set<Integer> all = new HashSet<>(first);
        all.addAll(second);
        assertEquals(10, all.size(), "no port handed out twice in one JVM: " + first + " " + second);
        for (int port : all) {
            assertFalse(port >= ephemeral[0] && port <= ephemeral[1],
                    port + " is in the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
            assertTrue(FreePorts.bindable(port), port + " is bindable");
            assertFalse(port == Postgres.DEFAULT_PORT || port == Service.AUTH.defaultPort()
                    || port == Service.NOTIFICATION.defaultPort(), "a default port of ./kessai up: " + port);
        }
    }

    @Test
    void aPortInUseIsNotBindable() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertFalse(FreePorts.bindable(taken.getLocalPort()));
        }
    }
}
