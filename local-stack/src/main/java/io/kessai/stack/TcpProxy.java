package io.kessai.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder between a service and one of its dependencies (PostgreSQL, another service), so that a
 * drill can make that dependency slow or move it without the service knowing: the service is pointed at
 * {@link #port()} instead of the dependency's own port.
 *
 * <p>It forwards bytes and nothing else, so it works for any protocol, and it models what a network does to
 * connections rather than what a server does to requests: {@link #retarget(int)} cuts the open connections as a
 * failover's moving address would (the clients' pools must notice and reconnect, as in production), and
 * {@link #delayResponses(Duration)} holds each chunk of the dependency's answers, so a request's answer arrives that
 * much later, while the requests themselves reach the dependency at once (which is how a slow dependency looks: it got
 * the request and works on it).
 *
 * <p>Each connection has its own virtual threads, so a held answer holds up no other connection. When either side
 * closes or fails, both sockets are closed: there is no half-close, which none of the clients here use. A dependency
 * that refuses the connection makes the proxy close the client's, as the refusal would have.
 */
public final class TcpProxy implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;
    /** Chunks held per connection before reading from the dependency stops (TCP's flow control then applies). */
    private static final int HELD_CHUNKS = 64;
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final ServerSocket listener;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private volatile int targetPort;
    private volatile Duration responseDelay = Duration.ZERO;
    private volatile boolean closed;

    private TcpProxy(ServerSocket listener, int targetPort) {
        this.listener = listener;
        this.targetPort = targetPort;
    }

    /**
     * Listens on 127.0.0.1:{@code listenPort} (0 picks a free one with {@link FreePorts}, so that a service started
     * later can be given the port) and forwards each connection to 127.0.0.1:{@code targetPort}.
     */
    public static TcpProxy start(int listenPort, int targetPort) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.setReuseAddress(true); // as the servers it stands in for: TIME_WAIT must not block a restart
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    listenPort > 0 ? listenPort : FreePorts.pick()));
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        TcpProxy proxy = new TcpProxy(listener, targetPort);
        proxy.spawn("tcp-proxy-" + proxy.port() + "-accept", proxy::accept);
        return proxy;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Where new connections go. */
    public int targetPort() {
        return targetPort;
    }

    /**
     * Sends new connections to {@code port} and closes the open ones, which lead to the old target: after a
     * failover, no client may keep talking to the old primary through a connection it still holds.
     */
    public void retarget(int port) {
        targetPort = port;
        for (Connection connection : connections) {
            if (connection.targetPort != port) {
                connection.close();
            }
        }
    }

    /**
     * Holds each chunk that the target sends for {@code delay} before passing it on ({@link Duration#ZERO} stops
     * holding). The delay is measured from the chunk's arrival, not added per chunk: a large answer arrives
     * {@code delay} later as a whole, not once per chunk it happens to be read in. It applies to chunks arriving from
     * now on, on open connections too.
     */
    public void delayResponses(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a negative delay: " + delay);
        }
        responseDelay = delay;
    }

    /** Threads still running: none once {@link #close()} has returned. */
    int liveThreads() {
        return (int) threads.stream().filter(Thread::isAlive).count();
    }

    /**
     * Stops listening, closes every connection and waits for their threads to end, so the port is free again and
     * nothing of the proxy outlives it.
     */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closed it is
        }
        connections.forEach(Connection::close);
        // Also the threads still connecting to the target, which no connection knows yet.
        threads.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (Iterator<Thread> live = threads.iterator(); live.hasNext(); live = threads.iterator()) {
            Thread thread = live.next();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException(
                        thread.getName() + " still runs " + CLOSE_WAIT.toSeconds() + " s after the proxy closed");
            }
            if (thread.getState() == Thread.State.NEW) {
                Thread.onSpinWait(); // spawn() is about to start it
                continue;
            }
            try {
                thread.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!thread.isAlive()) {
                threads.remove(thread); // ended, even if before it could remove itself
            }
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException closedOrBroken) {
                if (!closed) {
                    System.err.println("kessai: TCP proxy on port " + port() + " stopped accepting: " + closedOrBroken);
                }
                return;
            }
            // Connecting to the target in the connection's own thread: a slow target must not hold up accepting.
            spawn("tcp-proxy-" + port() + "-connect", () -> connect(client));
        }
    }

    private void connect(Socket client) {
        int port = targetPort;
        Socket target = new Socket();
        try {
            target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MS);
        } catch (IOException refused) {
            closeQuietly(target);
            closeQuietly(client);
            return;
        }
        Connection connection = new Connection(client, target, port);
        connections.add(connection);
        // Checked after joining the set, so that neither a close() nor a retarget() running meanwhile misses it.
        if (closed || targetPort != port) {
            connection.close();
            return;
        }
        connection.start();
    }

    /** A virtual thread that close() waits for, and that forgets itself when it ends. */
    private Thread spawn(String name, Runnable task) {
        Thread thread = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                task.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        });
        threads.add(thread);
        thread.start();
        return thread;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    /** A chunk from the target and when it may go on to the client. */
    private record Held(byte[] bytes, long dueNanos) {
    }

    /** One client's connection and its target's: three threads, one direction each plus the delay line's writer. */
    private final class Connection {

        private final Socket client;
        private final Socket target;
        private final int targetPort;
        private final BlockingQueue<Held> held = new ArrayBlockingQueue<>(HELD_CHUNKS);
        private List<Thread> pumps = List.of();
        private volatile boolean done;

        Connection(Socket client, Socket target, int targetPort) {
            this.client = client;
            this.target = target;
            this.targetPort = targetPort;
        }

        /** Under the lock that close() takes, so that a close() at any moment reaches every thread started here. */
        synchronized void start() {
            if (done) {
                return;
            }
            String name = "tcp-proxy-" + port() + "-" + client.getPort();
            pumps = List.of(spawn(name + "-request", this::forwardRequests),
                    spawn(name + "-response-read", this::readResponses),
                    spawn(name + "-response-write", this::writeResponses));
        }

        private void forwardRequests() {
            try (InputStream in = client.getInputStream(); OutputStream out = target.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException closedOrBroken) {
                // either way this connection is over
            } finally {
                close();
            }
        }

        private void readResponses() {
            byte[] buffer = new byte[CHUNK];
            try (InputStream in = target.getInputStream()) {
                for (int read; (read = in.read(buffer)) >= 0;) {
                    held.put(new Held(Arrays.copyOf(buffer, read), System.nanoTime() + responseDelay.toNanos()));
                }
                held.put(new Held(null, 0)); // the target is done: once the rest has gone out, so is the client
            } catch (IOException | InterruptedException closedOrBroken) {
                close();
            }
        }

        private void writeResponses() {
            try (OutputStream out = client.getOutputStream()) {
                while (!done) {
                    Held chunk = held.take();
                    if (chunk.bytes() == null) {
                        return;
                    }
                    long wait = chunk.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(Duration.ofNanos(wait));
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException closedOrBroken) {
                // either way this connection is over
            } finally {
                close();
            }
        }

        /**
         * Closes both sockets, which ends the threads reading them, and interrupts the threads, which ends those
         * waiting for a held chunk, its time, or room to hold one more.
         */
        void close() {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            connections.remove(this);
            closeQuietly(client);
            closeQuietly(target);
            for (Thread pump : pumps) {
                if (pump != Thread.currentThread()) {
                    pump.interrupt();
                }
            }
        }
    }
}
