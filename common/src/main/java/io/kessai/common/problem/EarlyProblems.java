package io.kessai.common.problem;

import java.util.List;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers, with a problem document, a request that a route handler refuses before any endpoint (and so before the
 * exception mappers) could see it: a body too large, a body without a media type.
 */
@Singleton
class EarlyProblems {

    /**
     * Where the refusing handlers run: where Quarkus runs its own body handler, right after the routes that set the
     * headers every response carries ({@code quarkus.http.header.*}, such as nosniff), so these answers carry them too.
     */
    static final int ROUTE_ORDER = RouteConstants.ROUTE_ORDER_BODY_HANDLER;

    private final ObjectMapper json;

    EarlyProblems(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Ends the response with the problem. With {@code closeConnection} an HTTP/1.x connection is closed after it,
     * because the rest of the request body is not read (HTTP/2 forbids the header: there only the stream ends).
     */
    void send(RoutingContext ctx, int status, String code, String title, String detail, boolean closeConnection) {
        HttpServerResponse response = ctx.response().setStatusCode(status);
        if (closeConnection && ctx.request().version() != HttpVersion.HTTP_2) {
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        try {
            byte[] body = json.writeValueAsBytes(Problem.of(status, code, title, detail, ctx.request().path(),
                    List.of()));
            response.putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).end(Buffer.buffer(body));
        } catch (JsonProcessingException cannotHappenForAProblem) {
            response.end();
        }
    }
}
