package io.kessai.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One load worker's connection: sends a request and reads its answer, one at a time. Either the JDK's HTTP client
 * ({@link #jdk()}), or a plain HTTP/1.1 socket ({@link #plain()}) that costs the load generator a fraction of the
 * CPU, which on a machine the services share is CPU they get back (pgbench's own client is as lean).
 */
interface LoadConnection extends AutoCloseable {

    /** An answer: its status and body. */
    record Answer(int status, String body) {
    }

    Answer send(HttpRequest request) throws IOException, InterruptedException;

    @Override
    void close();

    /** The JDK's client; with synchronous sends it holds one kept-alive HTTP/1.1 connection. */
    static LoadConnection jdk() {
        HttpClient http = WalletClient.newHttpClient();
        return new LoadConnection() {

            @Override
            public Answer send(HttpRequest request) throws IOException, InterruptedException {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                return new Answer(response.statusCode(), response.body());
            }

            @Override
            public void close() {
                http.close();
            }
        };
    }

    /** A plain HTTP/1.1 connection, kept alive and opened again when the server closed it. */
    static LoadConnection plain() {
        return new PlainHttp();
    }

    /**
     * HTTP/1.1 over a socket, just enough for the benchmarks' own requests to the local services: no TLS, no
     * redirects, bodies with Content-Length or chunked.
     */
    final class PlainHttp implements LoadConnection {

        private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

        private Socket socket;
        private InputStream in;
        private OutputStream out;

        @Override
        public Answer send(HttpRequest request) throws IOException {
            URI uri = request.uri();
            byte[] body = body(request);
            StringBuilder head = new StringBuilder(256).append(request.method()).append(' ')
                    .append(uri.getRawPath()).append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                    .append(" HTTP/1.1\r\nHost: ").append(uri.getHost()).append(':').append(uri.getPort())
                    .append("\r\n");
            for (Map.Entry<String, List<String>> header : request.headers().map().entrySet()) {
                for (String value : header.getValue()) {
                    head.append(header.getKey()).append(": ").append(value).append("\r\n");
                }
            }
            if (body.length > 0 || !request.method().equals("GET")) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            if (socket == null) {
                open(uri, request.timeout().orElse(DEFAULT_TIMEOUT));
            }
            try {
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return read();
            } catch (IOException e) {
                close();
                throw e;
            }
        }

        private void open(URI uri, Duration timeout) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        private Answer read() throws IOException {
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + Json.abbreviate(statusLine, 80));
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean closes = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    closes = value.equalsIgnoreCase("close");
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(length > 0 ? (int) length : 512);
            if (chunked) {
                for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0; size = Long
                        .parseLong(line().split(";")[0].trim(), 16)) {
                    copy(size, body);
                    line();
                }
                for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                    // trailers are not used
                }
            } else if (length > 0) {
                copy(length, body);
            }
            if (closes) {
                close();
            }
            return new Answer(status, body.toString(StandardCharsets.UTF_8));
        }

        private void copy(long count, ByteArrayOutputStream to) throws IOException {
            byte[] buffer = new byte[(int) Math.min(count, 8192)];
            for (long left = count; left > 0;) {
                int n = in.read(buffer, 0, (int) Math.min(left, buffer.length));
                if (n < 0) {
                    throw new IOException("connection closed in the middle of an answer");
                }
                to.write(buffer, 0, n);
                left -= n;
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        /** The request's body: the benchmarks' publishers (from strings) hand it over at once. */
        private static byte[] body(HttpRequest request) throws IOException {
            HttpRequest.BodyPublisher publisher = request.bodyPublisher().orElse(null);
            if (publisher == null || publisher.contentLength() == 0) {
                return new byte[0];
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, (int) publisher.contentLength()));
            CompletableFuture<byte[]> done = new CompletableFuture<>();
            publisher.subscribe(new Flow.Subscriber<>() {

                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(ByteBuffer item) {
                    byte[] chunk = new byte[item.remaining()];
                    item.get(chunk);
                    bytes.writeBytes(chunk);
                }

                @Override
                public void onError(Throwable failure) {
                    done.completeExceptionally(failure);
                }

                @Override
                public void onComplete() {
                    done.complete(bytes.toByteArray());
                }
            });
            try {
                return done.get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("could not read the request body", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }
    }
}
