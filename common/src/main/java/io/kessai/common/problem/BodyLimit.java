package io.kessai.common.problem;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * Answers a request whose declared body exceeds {@code quarkus.http.limits.max-body-size} with a 413 problem document
 * before any of it is read. (Chunked bodies without a length are still cut off by Quarkus itself, with a bare 413.)
 */
@Singleton
public class BodyLimit {

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    @Inject
    ObjectMapper json;

    void install(@Observes Router router) {
        long limitBytes = maxBodySize.asLongValue();
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (declared != null && exceeds(declared, limitBytes)) {
                Problem problem = Problem.of(413, "payload-too-large", "Payload too large",
                        "The request body is larger than " + limitBytes / 1024 + " KiB.", ctx.request().path(),
                        List.of());
                try {
                    ctx.response().setStatusCode(413)
                            .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                            .putHeader(HttpHeaders.CONNECTION, "close")
                            .end(json.writeValueAsString(problem));
                } catch (JsonProcessingException e) {
                    ctx.response().setStatusCode(413).end();
                }
                return;
            }
            ctx.next();
        });
    }

    private static boolean exceeds(String declared, long limitBytes) {
        try {
            return Long.parseLong(declared.trim()) > limitBytes;
        } catch (NumberFormatException malformed) {
            return false; // Vert.x rejects a malformed Content-Length itself.
        }
    }
}
