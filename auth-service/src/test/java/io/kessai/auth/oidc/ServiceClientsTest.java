package io.kessai.auth.oidc;

import static io.kessai.auth.TestAuthConfig.client;
import static io.kessai.auth.TestAuthConfig.serviceClients;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.kessai.common.security.Scopes;

/** What a client's tokens may carry, and the configurations that must stop auth-service from starting. */
class ServiceClientsTest {

    @Test
    void aKnownServiceGetsItsCallsScopesAndAnyOtherClientNone() {
        ServiceClients clients = new ServiceClients(serviceClients(Map.of(
                Scopes.AUTH_SERVICE, client("a", Set.of("service"), null),
                Scopes.NOTIFICATION_SERVICE, client("n", Set.of("service"), null),
                "reporting", client("r", Set.of("service"), null),
                "ops-console", client("o", Set.of("ops"), null))));
        assertEquals(new TreeSet<>(Set.of(Scopes.WALLET_CUSTOMERS_OPEN, Scopes.WALLET_CUSTOMERS_FREEZE,
                Scopes.NOTIFICATION_EVENTS_SEND, Scopes.PAYMENT_SUBJECTS_FREEZE)),
                clients.authenticate(Scopes.AUTH_SERVICE, "a").orElseThrow().scopes());
        assertEquals(Set.of(), clients.authenticate(Scopes.NOTIFICATION_SERVICE, "n").orElseThrow().scopes());
        assertEquals(Set.of(), clients.authenticate("reporting", "r").orElseThrow().scopes());
        assertEquals(Set.of(), clients.authenticate("ops-console", "o").orElseThrow().scopes());
        assertEquals(Optional.empty(), clients.authenticate(Scopes.AUTH_SERVICE, "n"));
    }

    @Test
    void configuredScopesReplaceTheDefault() {
        ServiceClients clients = new ServiceClients(serviceClients(Map.of(Scopes.PAYMENT_SERVICE,
                client("p", Set.of("service"), Set.of(Scopes.WALLET_ACCOUNTS_READ)))));
        assertEquals(Set.of(Scopes.WALLET_ACCOUNTS_READ),
                clients.authenticate(Scopes.PAYMENT_SERVICE, "p").orElseThrow().scopes());
    }

    @Test
    void misconfiguredClientsStopTheStart() {
        assertRefused("no scope 'wallet:mint'",
                Map.of("payment-service", client("p", Set.of("service"), Set.of("wallet:mint"))));
        // docs/operations.md once configured the ops console this way, which let an ops login post transfers.
        assertRefused("an ops client has role ops only", Map.of("ops-console", client("o", Set.of("service", "ops"),
                null)));
        assertRefused("only clients with role service hold scopes",
                Map.of("ops-console", client("o", Set.of("ops"), Set.of(Scopes.WALLET_ACCOUNTS_READ))));
        // Such an id is a till credential's (TillCredentials): the token endpoint would never look it up here.
        assertRefused("is a till's", Map.of("till-reader", client("t", Set.of("service"), null)));
    }

    @Test
    void aRequestedScopeNarrowsTheTokenAndNeverWidensIt() {
        ServiceClients.Client payment = new ServiceClients.Client(Scopes.PAYMENT_SERVICE, Set.of("service"),
                Scopes.grantedByDefault(Scopes.PAYMENT_SERVICE));
        assertEquals(Optional.of(payment.scopes()), ServiceClients.scopesFor(payment, null));
        assertEquals(Optional.of(payment.scopes()), ServiceClients.scopesFor(payment, " "));
        assertEquals(Optional.of(new TreeSet<>(Set.of(Scopes.WALLET_TRANSFERS_READ))),
                ServiceClients.scopesFor(payment, " " + Scopes.WALLET_TRANSFERS_READ + " "));
        assertEquals(Optional.empty(), ServiceClients.scopesFor(payment, Scopes.WALLET_CUSTOMERS_OPEN));
        assertEquals(Optional.empty(), ServiceClients.scopesFor(payment, "WALLET:TRANSFERS.READ"));
    }

    private static void assertRefused(String expected, Map<String, io.kessai.auth.AuthConfig.ServiceClient> config) {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new ServiceClients(serviceClients(config)));
        assertTrue(refused.getMessage().contains(expected), refused.getMessage());
    }
}
