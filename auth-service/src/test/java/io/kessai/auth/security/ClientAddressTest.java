package io.kessai.auth.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kessai.auth.AuthConfig.ClientAddresses.ForwardedHeader;

/**
 * Which address a request is counted and audited under, for the deployments docs/security.md names: no proxy, an
 * ingress in 10.0.0.0/8, a cloud load balancer in front of it, IPv6, and the RFC 7239 header. The attacker writes
 * whatever header it likes; the proxies only append.
 */
class ClientAddressTest {

    private static final String ATTACKER = "198.51.100.7";
    private static final String INGRESS_POD = "10.12.0.5";
    private static final String CLOUD_LB = "130.211.0.9";

    private static final ClientAddress NO_PROXY = new ClientAddress(List.of(), ForwardedHeader.X_FORWARDED_FOR);
    private static final ClientAddress BEHIND_INGRESS = new ClientAddress(List.of("10.0.0.0/8"),
            ForwardedHeader.X_FORWARDED_FOR);
    private static final ClientAddress BEHIND_LB_AND_INGRESS = new ClientAddress(
            List.of("10.0.0.0/8", " 130.211.0.0/22 ", "35.191.0.0/16"), ForwardedHeader.X_FORWARDED_FOR);

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        assertEquals(ATTACKER, NO_PROXY.resolve(ATTACKER, List.of("203.0.113.50")));
        // Not even loopback is trusted unless configured: a sidecar must be named like any proxy.
        assertEquals("127.0.0.1", NO_PROXY.resolve("127.0.0.1", List.of("203.0.113.50")));
    }

    @Test
    void aHeaderFromAPeerThatIsNoTrustedProxyIsIgnored() {
        // The attacker reaches the pod directly (or through a proxy nobody declared) and names a new address.
        assertEquals(ATTACKER, BEHIND_INGRESS.resolve(ATTACKER, List.of("203.0.113.50")));
        assertEquals(ATTACKER, BEHIND_INGRESS.resolve(ATTACKER, List.of("10.0.0.1")));
    }

    @Test
    void aForgedValueBeforeWhatTheIngressAppendedIsNotTheClient() {
        // nginx's $proxy_add_x_forwarded_for, Envoy, cloud balancers: the client's header, then the peer they saw.
        assertEquals(ATTACKER, BEHIND_INGRESS.resolve(INGRESS_POD, List.of("203.0.113.50, " + ATTACKER)));
        assertEquals(ATTACKER, BEHIND_INGRESS.resolve(INGRESS_POD, List.of("203.0.113.50,203.0.113.51 ," + ATTACKER)));
        // The forged entries may even look like trusted proxies; they stand left of the client and are never read.
        assertEquals(ATTACKER, BEHIND_INGRESS.resolve(INGRESS_POD, List.of("10.0.0.1, 10.0.0.2, " + ATTACKER)));
    }

    @Test
    void aForgedHeaderLineBeforeTheOneTheIngressAddedIsNotTheClient() {
        // Some proxies add a header line of their own instead of appending; lines count in the order they came.
        assertEquals(ATTACKER, BEHIND_INGRESS.resolve(INGRESS_POD, List.of("203.0.113.50", ATTACKER)));
    }

    @Test
    void everyTrustedHopIsSkippedFromTheRight() {
        // Client -> cloud load balancer (appends the client) -> ingress pod (appends the balancer) -> auth-service.
        assertEquals(ATTACKER, BEHIND_LB_AND_INGRESS.resolve(INGRESS_POD,
                List.of("203.0.113.50, " + ATTACKER + ", " + CLOUD_LB)));
        // With only the ingress declared, the balancer is the client: every customer shares one bucket, which fails
        // closed (limits too tight) rather than open.
        assertEquals(CLOUD_LB, BEHIND_INGRESS.resolve(INGRESS_POD, List.of("203.0.113.50, " + ATTACKER + ", "
                + CLOUD_LB)));
    }

    @Test
    void aRequestFromInsideTheTrustedNetworkIsItsLeftmostHop() {
        assertEquals("10.1.1.1", BEHIND_INGRESS.resolve(INGRESS_POD, List.of("10.1.1.1, 10.2.2.2")));
        // A trusted proxy with no header at all is its own client (a health check, a sidecar's own call).
        assertEquals(INGRESS_POD, BEHIND_INGRESS.resolve(INGRESS_POD, List.of()));
    }

    @Test
    void anEntryATrustedProxyPassedOnThatIsNoAddressStopsTheWalk() {
        // Nothing left of it can be vouched for, and the junk itself is no address to count or audit.
        for (String junk : List.of("unknown", "_hidden", "attacker.example", "", "1.2.3", "999.1.1.1", "fe80::1%eth0",
                "' OR 1=1 --")) {
            assertEquals(INGRESS_POD, BEHIND_INGRESS.resolve(INGRESS_POD, List.of(ATTACKER + ", " + junk)), junk);
            assertEquals("10.1.1.1", BEHIND_INGRESS.resolve(INGRESS_POD, List.of(ATTACKER + ", " + junk
                    + ", 10.1.1.1")), junk);
        }
    }

    @Test
    void portsBracketsAndQuotesThatProxiesAddAreDropped() {
        assertEquals(ATTACKER, BEHIND_INGRESS.resolve(INGRESS_POD, List.of(ATTACKER + ":51234")));
        assertEquals("2001:db8::7", BEHIND_INGRESS.resolve(INGRESS_POD, List.of("[2001:db8::7]:443")));
        assertEquals("2001:db8::7", BEHIND_INGRESS.resolve(INGRESS_POD, List.of("\"[2001:db8::7]\"")));
    }

    @Test
    void ipv6ProxiesAndClientsAreCanonical() {
        ClientAddress dualStack = new ClientAddress(List.of("10.0.0.0/8", "fd00::/8", "::1"),
                ForwardedHeader.X_FORWARDED_FOR);
        assertEquals("2001:db8::7", dualStack.resolve("fd12:3456::1", List.of("2001:db8::99, 2001:DB8:0:0::7")));
        assertEquals("2001:db8::7", dualStack.resolve("0:0:0:0:0:0:0:1", List.of("2001:db8:0::7")));
        // An IPv4 client seen through an IPv6 socket is the IPv4 address, whichever form the socket reports.
        assertEquals(ATTACKER, dualStack.resolve("::ffff:" + INGRESS_POD, List.of("::ffff:" + ATTACKER)));
        assertEquals(ATTACKER, NO_PROXY.resolve("::ffff:" + ATTACKER, List.of()));
    }

    @Test
    void behindAForwardedHeaderProxyOnlyThatHeaderIsRead() {
        ClientAddress rfc7239 = new ClientAddress(List.of("10.0.0.0/8"), ForwardedHeader.FORWARDED);
        assertEquals(ATTACKER, rfc7239.resolve(INGRESS_POD,
                List.of("for=203.0.113.50;proto=https, for=\"" + ATTACKER + ":4711\";by=10.12.0.5;proto=https")));
        assertEquals("2001:db8:cafe::17", rfc7239.resolve(INGRESS_POD,
                List.of("for=unknown, For=\"[2001:db8:cafe::17]:4711\"")));
        // A comma inside a quoted value does not start an element, and an element without for= stops the walk.
        assertEquals(ATTACKER, rfc7239.resolve(INGRESS_POD, List.of("for=\"_a,b\", for=" + ATTACKER)));
        assertEquals(INGRESS_POD, rfc7239.resolve(INGRESS_POD, List.of("for=" + ATTACKER + ", proto=https")));
    }

    @Test
    void aMissingPeerIsUnknown() {
        assertEquals("unknown", BEHIND_INGRESS.resolve(null, List.of(ATTACKER)));
    }

    @Test
    void limitsCountAnIpv6ClientByItsNetwork() {
        assertEquals(ATTACKER, ClientAddress.limitSubject(ATTACKER, 64));
        assertEquals("2001:db8:1:2::/64", ClientAddress.limitSubject("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64));
        assertEquals("2001:db8:1:2::/64", ClientAddress.limitSubject("2001:db8:1:2::1", 64));
        assertEquals("2001:db8:1::/56", ClientAddress.limitSubject("2001:db8:1:ff::1", 56));
        assertEquals("2001:db8::1", ClientAddress.limitSubject("2001:db8::1", 128));
        assertEquals("unknown", ClientAddress.limitSubject("unknown", 64));
    }

    @Test
    void opsSearchAnAddressInTheFormTheLogRecords() {
        assertEquals("2001:db8::1", ClientAddress.canonical("2001:DB8:0:0::1"));
        assertEquals(ATTACKER, ClientAddress.canonical(ATTACKER));
        assertEquals("unknown", ClientAddress.canonical("unknown"));
    }

    @Test
    void aTrustedProxyThatIsNoRangeFailsTheStart() {
        for (String bad : List.of("10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/eight", "ingress.internal",
                "10.0.0")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> new ClientAddress(List.of(bad), ForwardedHeader.X_FORWARDED_FOR), bad);
            assertTrue(refused.getMessage().contains("kessai.auth.client-address.trusted-proxies"), bad);
        }
    }
}
