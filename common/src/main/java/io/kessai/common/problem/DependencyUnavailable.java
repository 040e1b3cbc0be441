package io.kessai.common.problem;

import java.util.Set;

/**
 * Recognises failures that mean "a dependency cannot serve us right now" (the token issuer unreachable, an open
 * circuit, a full bulkhead, a timeout, a refused connection), which callers must see as a 503 to retry, not as a
 * bug. Matched by class name so that this module needs none of the libraries that throw them.
 */
final class DependencyUnavailable {

    private static final Set<String> UNAVAILABLE = Set.of(
            "io.quarkus.oidc.OIDCException",
            "io.smallrye.faulttolerance.api.CircuitBreakerOpenException",
            "org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException",
            "org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException",
            "org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException",
            "io.vertx.core.http.ConnectionPoolTooBusyException",
            "io.netty.channel.ConnectTimeoutException",
            "java.net.ConnectException");

    /** Seconds a client should wait before retrying. */
    static final String RETRY_AFTER_SECONDS = "5";

    private DependencyUnavailable() {
    }

    static boolean causedBy(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<?> type = t.getClass(); type != null; type = type.getSuperclass()) {
                if (UNAVAILABLE.contains(type.getName())) {
                    return true;
                }
            }
        }
        return false;
    }
}
