package io.kessai.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/** The drill's fault proxy: bytes through unchanged, answers held back on request, connections cut on a move. */
class TcpProxyTest {

    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(server -> server.stop(0));
    }

    @Test
    void bytesPassThroughUnchanged() throws Exception {
        byte[] body = new byte[1 << 20];
        new Random(7).nextBytes(body);
        try (TcpProxy proxy = TcpProxy.start(0, server("first"))) {
            assertArrayEquals(body, exchange(proxy.port(), "POST", body), "a megabyte echoed through the proxy");
            assertEquals("first", text(exchange(proxy.port(), "GET", new byte[0])));
        }
    }

    @Test
    void delayedAnswersArriveThatMuchLater() throws Exception {
        try (TcpProxy proxy = TcpProxy.start(0, server("first"))) {
            proxy.delayResponses(Duration.ofMillis(300));
            long start = System.nanoTime();
            assertEquals("first", text(exchange(proxy.port(), "GET", new byte[0])));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofMillis(300)) >= 0, "the answer took only " + took);

            proxy.delayResponses(Duration.ZERO);
            assertEquals("first", text(exchange(proxy.port(), "GET", new byte[0])), "and without delay again");
            assertThrows(IllegalArgumentException.class, () -> proxy.delayResponses(Duration.ofMillis(-1)));
        }
    }

    @Test
    void retargetMovesNewConnectionsAndCutsOpenOnes() throws Exception {
        int second = server("second");
        try (TcpProxy proxy = TcpProxy.start(0, server("first")); Socket open = connect(proxy.port())) {
            assertEquals("first", text(request(open, "GET", new byte[0])), "a kept-alive connection to the first");

            proxy.retarget(second);

            assertEquals(second, proxy.targetPort());
            assertEquals("second", text(exchange(proxy.port(), "GET", new byte[0])));
            // The connection to the old target is cut: its next read ends (or fails) instead of answering.
            open.setSoTimeout(10_000);
            assertEquals(-1, readOrEnd(open.getInputStream()), "the old connection is closed by the proxy");
        }
    }

    @Test
    void aRefusedTargetClosesTheClientsConnection() throws Exception {
        int nobody = FreePorts.pick(); // free, and nothing listens there
        try (TcpProxy proxy = TcpProxy.start(0, nobody); Socket client = connect(proxy.port())) {
            client.setSoTimeout(10_000);
            assertEquals(-1, readOrEnd(client.getInputStream()));
        }
    }

    @Test
    void closeFreesThePortAndEndsEveryThread() throws Exception {
        TcpProxy proxy = TcpProxy.start(0, server("first"));
        int port = proxy.port();
        Socket open = connect(port);
        assertEquals("first", text(request(open, "GET", new byte[0])));
        proxy.delayResponses(Duration.ofSeconds(30));
        request(open.getOutputStream(), "GET", new byte[0]); // its answer held in the proxy as it closes

        proxy.close();

        assertEquals(0, proxy.liveThreads());
        assertTrue(FreePorts.bindable(port), "port " + port + " is free again");
        assertThrows(ConnectException.class, () -> connect(port).close());
        open.setSoTimeout(10_000);
        assertEquals(-1, readOrEnd(open.getInputStream()));
        open.close();
    }

    /** A server on an ephemeral port (bound at once, in this JVM) that echoes a POST and names itself on a GET. */
    private int server(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] answer = exchange.getRequestMethod().equals("POST")
                    ? exchange.getRequestBody().readAllBytes()
                    : name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    private static Socket connect(int port) throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), port);
    }

    /** One request on a new connection. */
    private static byte[] exchange(int port, String method, byte[] body) throws IOException {
        try (Socket socket = connect(port)) {
            socket.setSoTimeout(30_000);
            return request(socket, method, body);
        }
    }

    /** One HTTP/1.1 request on {@code socket}, which stays open; the answer's body. */
    private static byte[] request(Socket socket, String method, byte[] body) throws IOException {
        request(socket.getOutputStream(), method, body);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the answer's head: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        assertTrue(headers.startsWith("HTTP/1.1 200"), headers);
        int length = headers.lines()
                .filter(line -> line.toLowerCase().startsWith("content-length:"))
                .map(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).trim()))
                .findFirst()
                .orElseThrow();
        return in.readNBytes(length);
    }

    private static void request(OutputStream out, String method, byte[] body) throws IOException {
        out.write((method + " / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** -1 once the peer has closed the connection, whether it reads as the end or as a reset. */
    private static int readOrEnd(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
