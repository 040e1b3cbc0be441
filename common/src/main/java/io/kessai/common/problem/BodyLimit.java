package io.kessai.common.problem;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Holds every request body to {@code quarkus.http.limits.max-body-size}, before any endpoint sees it, and answers a
 * larger one with a 413 problem document and one WARN line.
 *
 * <p>A body with a declared {@code Content-Length} over the limit is refused before any of it is read. A body sent
 * without a length (chunked) is read into memory here, up to the limit, and refused the moment it passes it. Left to
 * the REST layer, such a body was cut off deep inside its blocking input stream, which wrote a bare 413 and then
 * threw an {@code IOException} through the exception mappers after the response was gone: an unauthenticated caller
 * got an ERROR with a full stack trace into the log for every oversized request.
 *
 * <p>Only HTTP/1.1 chunked bodies are read here. An HTTP/2 body without a length is left to the REST layer, because
 * that pauses every request when it takes it on, which HTTP/2 refuses for a request already read to its end.
 */
@Singleton
public class BodyLimit {

    private static final Logger LOG = Logger.getLogger(BodyLimit.class);

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    private final EarlyProblems problems;

    BodyLimit(EarlyProblems problems) {
        this.problems = problems;
    }

    void install(@Observes Router router) {
        long limitBytes = maxBodySize.asLongValue();
        router.route().order(EarlyProblems.ROUTE_ORDER + 1).handler(ctx -> {
            HttpServerRequest request = ctx.request();
            String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (declared != null) {
                if (exceeds(declared, limitBytes)) {
                    refuse(ctx, limitBytes, "declared " + declared.trim() + " bytes");
                } else {
                    ctx.next();
                }
            } else if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING) && !request.isEnded()) {
                readUpTo(limitBytes, ctx);
            } else {
                ctx.next();
            }
        });
    }

    /**
     * Reads the whole body, at most {@code limitBytes}, and hands it on as the request's body. The REST layer reads a
     * body set this way ({@code RoutingContext.getBody()}, as after Vert.x's own body handler) instead of the request.
     */
    @SuppressWarnings("deprecation") // setBody is how a body read here reaches the REST layer, which reads getBody()
    private void readUpTo(long limitBytes, RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return; // the 413 is on its way and the connection closes after it: the rest is dropped
            }
            if (body.length() + (long) chunk.length() > limitBytes) {
                refused[0] = true;
                refuse(ctx, limitBytes, "more than " + limitBytes + " bytes without a declared length");
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(broken -> {
            // The client went away in the middle of its body: nobody to answer, nothing worth more than a debug line.
            refused[0] = true;
            LOG.debugf("Request body on %s broke off: %s", request.path(), broken.toString());
        });
        request.endHandler(end -> {
            if (!refused[0]) {
                ctx.setBody(body);
                ctx.next();
            }
        });
        request.resume();
    }

    private void refuse(RoutingContext ctx, long limitBytes, String size) {
        HttpServerRequest request = ctx.request();
        LOG.warnf("Refused a request body over the %d KiB limit from %s: %s %s, %s", limitBytes / 1024,
                request.remoteAddress() == null ? "an unknown address" : request.remoteAddress().host(),
                request.method(), request.path(), size);
        problems.send(ctx, 413, "payload-too-large", "Payload too large",
                "The request body is larger than " + limitBytes / 1024 + " KiB.", true);
    }

    private static boolean exceeds(String declared, long limitBytes) {
        try {
            return Long.parseLong(declared.trim()) > limitBytes;
        } catch (NumberFormatException malformed) {
            return false; // Vert.x rejects a malformed Content-Length itself.
        }
    }
}
