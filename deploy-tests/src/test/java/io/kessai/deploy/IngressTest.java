package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;

/** The Ingress routes the public APIs over TLS and nothing internal. */
class IngressTest {

    private static final List<String> NEVER_ROUTED = List.of("/v1/internal", "/v1/ops", "/v1/dev", "/q");

    @Test
    void publicPathsAreServedOverTls() {
        Ingress ingress = ingress();
        assertEquals("api.kessai.example", ingress.getSpec().getRules().getFirst().getHost());
        assertEquals(List.of("api.kessai.example"), ingress.getSpec().getTls().getFirst().getHosts());
        assertEquals("kessai-api-tls", ingress.getSpec().getTls().getFirst().getSecretName());
    }

    @Test
    void internalOpsDevAndQuarkusPathsAreNeverRouted() {
        for (HTTPIngressPath path : paths()) {
            for (String internal : NEVER_ROUTED) {
                assertFalse(path.getPath().equals(internal) || path.getPath().startsWith(internal + "/")
                        || internal.startsWith(path.getPath().endsWith("/") ? path.getPath() : path.getPath() + "/"),
                        path.getPath() + " would route " + internal);
            }
            assertEquals("Prefix", path.getPathType());
            assertFalse(path.getPath().equals("/") || path.getPath().equals("/v1"), "a catch-all: " + path.getPath());
        }
    }

    @Test
    void everyServiceHasItsPublicPathsRouted() {
        Set<String> backends = paths().stream().map(p -> p.getBackend().getService().getName())
                .collect(Collectors.toSet());
        assertEquals(Set.copyOf(Chart.SERVICES.keySet().stream().map(Chart::nameOf).toList()), backends);
        Set<String> routed = paths().stream().map(HTTPIngressPath::getPath).collect(Collectors.toSet());
        assertTrue(routed.containsAll(Set.of("/.well-known", "/oauth2", "/v1/sessions", "/v1/payments",
                "/v1/cpm-payments", "/v1/status", "/v1/accounts", "/v1/streams", "/v1/webhooks")), routed::toString);
    }

    private static Ingress ingress() {
        return Chart.object(Chart.renderProduction(), Ingress.class, Chart.RELEASE);
    }

    private static List<HTTPIngressPath> paths() {
        return ingress().getSpec().getRules().getFirst().getHttp().getPaths();
    }
}
