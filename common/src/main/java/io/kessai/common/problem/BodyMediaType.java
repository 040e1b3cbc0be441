package io.kessai.common.problem;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;

/**
 * Refuses a request body that does not say what it is: a body without {@code Content-Type} gets 415 before any
 * endpoint reads it. The REST layer would otherwise guess, and read it as JSON, so a client (or a proxy that
 * dropped the header) could never tell which rules its body was judged by.
 */
@Singleton
public class BodyMediaType {

    private final EarlyProblems problems;

    BodyMediaType(EarlyProblems problems) {
        this.problems = problems;
    }

    void install(@Observes Router router) {
        router.route().order(EarlyProblems.ROUTE_ORDER).handler(ctx -> {
            HttpServerRequest request = ctx.request();
            String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
            if (hasBody(request) && (type == null || type.isBlank())) {
                problems.send(ctx, 415, "unsupported-media-type", "Unsupported media type",
                        "The request has a body but no Content-Type; send Content-Type: application/json (or the "
                                + "media type the endpoint documents).",
                        true);
                return;
            }
            ctx.next();
        });
    }

    /** A body of declared length above zero, or one sent without a length (chunked). */
    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !length.trim().equals("0");
        }
        return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }
}
