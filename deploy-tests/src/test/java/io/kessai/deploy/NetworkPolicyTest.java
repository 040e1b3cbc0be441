package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

/** Deny by default; allow exactly the calls between services that docs/architecture.md designs, and the infrastructure. */
class NetworkPolicyTest {

    /**
     * The designed calls (docs/architecture.md, "Calls between services"), as caller → callee on the callee's port:
     * every service fetches auth-service's JWKS; auth-service's and payment-service's outbox relays get their tokens from
     * auth-service (auth-service from itself); payment-service posts transfers to wallet-service and resolves P2P
     * recipients and tells merchant changes to auth-service; auth-service opens and freezes wallets and freezes payment
     * subjects; both relays deliver events to notification-service.
     */
    static final Set<String> DESIGNED_CALLS = Set.of(
            "auth-service -> auth-service:8081",
            "wallet-service -> auth-service:8081",
            "payment-service -> auth-service:8081",
            "notification-service -> auth-service:8081",
            "payment-service -> wallet-service:8082",
            "auth-service -> wallet-service:8082",
            "auth-service -> payment-service:8083",
            "auth-service -> notification-service:8084",
            "payment-service -> notification-service:8084");

    private static final Map<String, Integer> PORTS = Map.of("auth-service", 8081, "wallet-service", 8082,
            "payment-service", 8083, "notification-service", 8084);

    @Test
    void theReleaseDeniesAllIngressAndEgressByDefault() {
        var deny = Chart.object(Chart.renderDefault(), NetworkPolicy.class, "kessai-default-deny");
        assertEquals(Map.of("app.kubernetes.io/name", "kessai", "app.kubernetes.io/instance", Chart.RELEASE),
                deny.getSpec().getPodSelector().getMatchLabels(), "selects every pod of the release");
        assertEquals(List.of("Ingress", "Egress"), deny.getSpec().getPolicyTypes());
        assertTrue(deny.getSpec().getIngress().isEmpty() && deny.getSpec().getEgress().isEmpty());
    }

    @Test
    void ingressRulesAllowExactlyTheDesignedCalls() {
        for (String rendered : List.of(Chart.renderDefault(), Chart.renderProduction())) {
            Set<String> allowed = new TreeSet<>();
            for (NetworkPolicy policy : servicePolicies(rendered)) {
                String callee = component(policy.getSpec().getPodSelector().getMatchLabels());
                for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
                    for (NetworkPolicyPeer peer : rule.getFrom()) {
                        if (peer.getNamespaceSelector() == null && peer.getIpBlock() == null) {
                            for (NetworkPolicyPort port : rule.getPorts()) {
                                allowed.add(component(peer.getPodSelector().getMatchLabels()) + " -> " + callee + ":"
                                        + port.getPort().getIntVal());
                            }
                        }
                    }
                }
            }
            assertEquals(new TreeSet<>(DESIGNED_CALLS), allowed);
        }
    }

    @Test
    void egressRulesAllowExactlyTheDesignedCalls() {
        Set<String> allowed = new TreeSet<>();
        for (NetworkPolicy policy : servicePolicies(Chart.renderProduction())) {
            String caller = component(policy.getSpec().getPodSelector().getMatchLabels());
            for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
                for (NetworkPolicyPeer peer : rule.getTo()) {
                    if (peer.getNamespaceSelector() == null && peer.getIpBlock() == null) {
                        for (NetworkPolicyPort port : rule.getPorts()) {
                            allowed.add(caller + " -> " + component(peer.getPodSelector().getMatchLabels()) + ":"
                                    + port.getPort().getIntVal());
                        }
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(DESIGNED_CALLS), allowed);
    }

    @Test
    void everyServiceMayResolveNamesReachItsDatabaseAndBeScraped() {
        for (NetworkPolicy policy : servicePolicies(Chart.renderProduction())) {
            String service = component(policy.getSpec().getPodSelector().getMatchLabels());
            List<String> egressPorts = new ArrayList<>();
            for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
                rule.getPorts().forEach(p -> egressPorts.add(p.getProtocol() + "/" + p.getPort().getIntVal()));
            }
            assertTrue(egressPorts.containsAll(List.of("UDP/53", "TCP/53", "TCP/5432")), service + " " + egressPorts);
            var database = policy.getSpec().getEgress().stream()
                    .filter(r -> r.getPorts().getFirst().getPort().getIntVal() == 5432).findFirst().orElseThrow();
            assertEquals("kessai-pg",
                    database.getTo().getFirst().getPodSelector().getMatchLabels().get("cnpg.io/cluster"));
            assertTrue(policy.getSpec().getIngress().stream().anyMatch(r -> r.getFrom().stream().anyMatch(
                    p -> "prometheus".equals(labelOf(p.getPodSelector(), "app.kubernetes.io/name")))
                    && PORTS.get(service).equals(r.getPorts().getFirst().getPort().getIntVal())), service);
            assertTrue(policy.getSpec().getIngress().stream().anyMatch(r -> r.getFrom().stream().anyMatch(
                    p -> "ingress-nginx".equals(labelOf(p.getPodSelector(), "app.kubernetes.io/name")))), service);
        }
    }

    @Test
    void theIngressControllerIsLetInOnlyWhenThereIsAnIngress() {
        for (NetworkPolicy policy : servicePolicies(Chart.renderDefault())) {
            assertTrue(policy.getSpec().getIngress().stream().flatMap(r -> r.getFrom().stream())
                    .noneMatch(p -> "ingress-nginx".equals(labelOf(p.getPodSelector(), "app.kubernetes.io/name"))));
        }
    }

    @Test
    void onlyNotificationServiceReachesOutsideTheCluster() {
        for (NetworkPolicy policy : servicePolicies(Chart.renderProduction())) {
            String service = component(policy.getSpec().getPodSelector().getMatchLabels());
            Set<String> external = new TreeSet<>();
            for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
                if (rule.getTo().stream().anyMatch(p -> p.getIpBlock() != null)) {
                    rule.getPorts().forEach(p -> external.add(String.valueOf(p.getPort().getIntVal())));
                }
            }
            // SMTP, the SMS provider's API, and merchant webhooks (no private ranges).
            assertEquals(service.equals("notification-service") ? Set.of("443", "587") : Set.of(), external, service);
        }
        var notification = Chart.object(Chart.renderProduction(), NetworkPolicy.class, Chart.nameOf("notification"));
        var webhooks = notification.getSpec().getEgress().getLast().getTo().getFirst().getIpBlock();
        assertEquals("0.0.0.0/0", webhooks.getCidr());
        assertTrue(webhooks.getExcept().containsAll(List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                "169.254.0.0/16")), "webhooks never reach private addresses or the metadata service");
    }

    @Test
    void networkPolicyEnabledFalseLeavesThemOut() {
        var rendered = Chart.render(List.of(), Map.of("networkPolicy.enabled", false));
        assertTrue(Chart.objects(rendered, NetworkPolicy.class).isEmpty());
    }

    private static List<NetworkPolicy> servicePolicies(String rendered) {
        var policies = Chart.objects(rendered, NetworkPolicy.class).stream()
                .filter(p -> !p.getMetadata().getName().endsWith("-default-deny")).toList();
        assertEquals(4, policies.size());
        return policies;
    }

    private static String component(Map<String, String> labels) {
        assertEquals("kessai", labels.get("app.kubernetes.io/name"));
        assertEquals(Chart.RELEASE, labels.get("app.kubernetes.io/instance"));
        return labels.get("app.kubernetes.io/component");
    }

    private static String labelOf(io.fabric8.kubernetes.api.model.LabelSelector selector, String label) {
        return selector == null || selector.getMatchLabels() == null ? null : selector.getMatchLabels().get(label);
    }

    @Test
    void policiesAllowNoPortRangesOrUnnamedPeers() {
        for (NetworkPolicy policy : Chart.objects(Chart.renderProduction(), NetworkPolicy.class)) {
            for (var rule : policy.getSpec().getIngress()) {
                assertTrue(!rule.getFrom().isEmpty(),
                        policy.getMetadata().getName() + ": an ingress rule from anywhere");
                rule.getPorts().forEach(p -> assertNull(p.getEndPort()));
            }
        }
    }
}
