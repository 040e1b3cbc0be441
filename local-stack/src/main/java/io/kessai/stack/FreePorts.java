package io.kessai.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks loopback ports for servers that this JVM starts a moment later in other processes (PostgreSQL, the services).
 *
 * <p>Asking the OS for port 0 and closing the socket is not enough: the OS hands out such ports from the same
 * ephemeral range as the source ports of outgoing connections, so by the time the server binds, a connection (or
 * another pick) may hold it. Ports chosen here are therefore
 * <ul>
 * <li>outside the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range} where readable, else the IANA
 * range 49152-65535), where the OS never puts a connection of its own;
 * <li>random, so that two builds on one machine rarely try the same ones, and distinct within one pick;
 * <li>bindable on 127.0.0.1 when picked, and never the stack's default ports (a later {@code ./kessai up} keeps
 * them);
 * <li>reserved until this JVM exits by a lock on the port's byte in {@code kessai-ports.lock} in the temporary
 * folder, which every Kessai JVM on the machine respects, so that concurrent test runs cannot choose each other's
 * ports in the moment before the servers bind.
 * </ul>
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    private static final int HIGHEST = 65_535;
    private static final int ATTEMPTS = 1_000;
    /** Held (never released) until this JVM exits, when the OS releases the locks. */
    private static final List<FileLock> RESERVED = new ArrayList<>();
    private static final Set<Integer> PICKED = new HashSet<>();
    private static FileChannel lockFile;

    private FreePorts() {
    }

    /** {@code count} distinct free ports, see the class comment. */
    public static synchronized List<Integer> pick(int count) {
        int[] ephemeral = ephemeralRange();
        int outside = (HIGHEST - LOWEST + 1)
                - Math.max(0, Math.min(HIGHEST, ephemeral[1]) - Math.max(LOWEST, ephemeral[0]) + 1);
        if (outside < 1_000) {
            // A machine whose ephemeral range takes (nearly) every port: the bind check and the reservation are
            // then all that protects a pick.
            ephemeral = new int[]{0, -1};
        }
        Set<Integer> avoid = new HashSet<>(PICKED);
        avoid.add(Postgres.DEFAULT_PORT);
        for (Service service : Service.values()) {
            avoid.add(service.defaultPort());
        }
        List<Integer> ports = new ArrayList<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < ATTEMPTS && ports.size() < count; attempt++) {
            int port = LOWEST + random.nextInt(HIGHEST - LOWEST + 1);
            if ((port >= ephemeral[0] && port <= ephemeral[1]) || avoid.contains(port)) {
                continue;
            }
            avoid.add(port);
            Reservation reservation = reserve(port);
            if (reservation == null) {
                continue; // another Kessai JVM holds this port
            }
            if (bindable(port)) {
                ports.add(port);
                PICKED.add(port);
                if (reservation.lock() != null) {
                    RESERVED.add(reservation.lock());
                }
            } else {
                reservation.release();
            }
        }
        if (ports.size() < count) {
            throw new StackException("found only " + ports.size() + " of " + count + " free loopback ports between "
                    + LOWEST + " and " + HIGHEST + " outside the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
        }
        return ports;
    }

    public static int pick() {
        return pick(1).get(0);
    }

    /** Whether a server could listen on 127.0.0.1:{@code port} now. */
    public static boolean bindable(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the servers do: a port with connections in TIME_WAIT is still usable
            probe.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException busy) {
            return false;
        }
    }

    /** The OS's range for outgoing connections' ports, {@code [first, last]}. */
    static int[] ephemeralRange() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return new int[]{Integer.parseInt(range[0]), Integer.parseInt(range[1])};
        } catch (IOException | RuntimeException unreadable) {
            // Not Linux (macOS and Windows use the IANA range by default), or no /proc.
            return new int[]{49_152, 65_535};
        }
    }

    /** A port's lock, or none where the temporary folder cannot hold the lock file. */
    private record Reservation(FileLock lock) {

        void release() {
            if (lock != null) {
                try {
                    lock.release();
                } catch (IOException ignored) {
                    // the lock goes with the JVM anyway
                }
            }
        }
    }

    /**
     * The reservation of {@code port}, or null if another JVM holds it. One file for all ports, each port a byte
     * range in it (locks are per process, so they work between JVMs), so that nothing piles up in the temporary
     * folder.
     */
    private static Reservation reserve(int port) {
        try {
            if (lockFile == null) {
                lockFile = FileChannel.open(Path.of(System.getProperty("java.io.tmpdir"), "kessai-ports.lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            }
            FileLock lock;
            try {
                lock = lockFile.tryLock(port, 1, false);
            } catch (OverlappingFileLockException heldHere) {
                lock = null;
            }
            return lock == null ? null : new Reservation(lock);
        } catch (IOException noLockFile) {
            // A read-only temporary folder: the random choice and the bind check still apply.
            return new Reservation(null);
        }
    }
}
