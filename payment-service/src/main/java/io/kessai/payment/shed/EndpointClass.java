package io.kessai.payment.shed;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.vertx.core.http.HttpMethod;

/**
 * What a request is for, as far as shedding goes: the classes that share the service's in-flight capacity, and the one
 * table ({@link #RULES}) that puts each method and path in one. Money-moving endpoints belong to {@link #PAYMENTS},
 * which has capacity no other class may take; a new money-moving endpoint needs a rule here.
 */
public enum EndpointClass {

    /**
     * Paying a code (a customer's MPM payment, a till's CPM charge), a till's cancels and refunds, P2P transfers and
     * top-ups: the path that is served first.
     */
    PAYMENTS,
    /** A till making or deleting an order code. */
    CODES,
    /** Every read: payments, codes, listings, merchants, PNGs. Shed first. */
    READS,
    /** Everything else (merchant applications, ops actions, internal calls). */
    OTHER;

    /** The name in metrics, problems and docs. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    private record Rule(Set<HttpMethod> methods, String path, boolean prefix, EndpointClass endpointClass) {

        boolean matches(HttpMethod method, String normalized) {
            return methods.contains(method) && (prefix ? normalized.startsWith(path) : normalized.equals(path));
        }
    }

    private static final Set<HttpMethod> READ_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD);

    /** First match wins; a request that matches no rule is {@link #OTHER}. */
    // @formatter:off
    private static final List<Rule> RULES = List.of(
            new Rule(Set.of(HttpMethod.POST), "/v1/payments", false, PAYMENTS),
            // A till charging a customer-presented code.
            new Rule(Set.of(HttpMethod.POST), "/v1/cpm-payments", false, PAYMENTS),
            // A customer confirming a held payment (POST /v1/payments/{id}/confirmation).
            new Rule(Set.of(HttpMethod.POST), "/v1/payments/", true, PAYMENTS),
            // A till's cancels (POST /v1/merchant/payments/{merchantPaymentId}/cancel) and refunds.
            new Rule(Set.of(HttpMethod.POST), "/v1/merchant/payments/", true, PAYMENTS),
            new Rule(Set.of(HttpMethod.POST), "/v1/merchant/refunds", false, PAYMENTS),
            new Rule(Set.of(HttpMethod.POST), "/v1/p2p-transfers", false, PAYMENTS),
            new Rule(Set.of(HttpMethod.POST), "/v1/topups", false, PAYMENTS),
            new Rule(Set.of(HttpMethod.POST), "/v1/codes", false, CODES),
            new Rule(Set.of(HttpMethod.DELETE), "/v1/codes/", true, CODES),
            new Rule(READ_METHODS, "/v1/", true, READS));
    // @formatter:on

    /** Paths never shed: operations (health probes, metrics) and {@code GET /v1/status}, which reports the shedding. */
    private static final List<String> EXEMPT = List.of("/q", "/v1/status");

    /**
     * The class of a request, by its method and normalized path; empty for a path that is never shed. A trailing slash
     * is ignored, as the REST layer ignores it.
     */
    public static Optional<EndpointClass> of(HttpMethod method, String normalizedPath) {
        String path = normalizedPath.length() > 1 && normalizedPath.endsWith("/")
                ? normalizedPath.substring(0, normalizedPath.length() - 1)
                : normalizedPath;
        for (String root : EXEMPT) {
            if (path.equals(root) || path.startsWith(root + "/")) {
                return Optional.empty();
            }
        }
        for (Rule rule : RULES) {
            if (rule.matches(method, path)) {
                return Optional.of(rule.endpointClass());
            }
        }
        return Optional.of(OTHER);
    }
}
