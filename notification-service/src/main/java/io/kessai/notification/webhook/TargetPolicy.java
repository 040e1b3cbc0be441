package io.kessai.notification.webhook;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.problem.ProblemException;
import io.kessai.notification.NotificationConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Keeps webhooks from being turned against our own network (SSRF): only https, and never to an address that is
 * private, loopback, link-local (cloud metadata lives there), multicast, unspecified or unique-local. Checked when an
 * endpoint is registered and again before every send, since DNS can change in between.
 */
@ApplicationScoped
public class TargetPolicy {

    private final List<String> testAllowedHosts;

    TargetPolicy(NotificationConfig config) {
        this.testAllowedHosts = config.webhooks().testAllowedHosts().orElse(List.of());
    }

    /** {@link #checkRegistration(String)} off the event loop: it resolves the host (blocking DNS). */
    public Uni<URI> checkRegistrationAsync(String url) {
        return Uni.createFrom().item(() -> checkRegistration(url))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** {@link #addressProblem(String)} off the event loop. */
    public Uni<String> addressProblemAsync(String host) {
        return Uni.createFrom().item(() -> addressProblem(host))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The URL as registered, or a 400 problem saying why it is refused. Blocks on DNS. */
    public URI checkRegistration(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw refused("is not a valid URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw refused("must be an absolute https URL without credentials or fragment");
        }
        boolean exempt = testAllowedHosts.contains(uri.getHost());
        if (!"https".equals(uri.getScheme()) && !(exempt && "http".equals(uri.getScheme()))) {
            throw refused("must use https");
        }
        String problem = addressProblem(uri.getHost());
        if (problem != null) {
            throw refused(problem);
        }
        return uri;
    }

    /** Why the host may not be called now (null when it may). Blocks on DNS. */
    public String addressProblem(String host) {
        if (testAllowedHosts.contains(host)) {
            return null;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return "host does not resolve";
        }
        for (InetAddress address : addresses) {
            if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                    || address.isAnyLocalAddress() || address.isMulticastAddress() || isUniqueLocal(address)
                    || isSharedOrReserved(address)) {
                return "resolves to a private, loopback or link-local address";
            }
        }
        return null;
    }

    /** IPv6 unique-local fc00::/7, which InetAddress does not classify. */
    private static boolean isUniqueLocal(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc;
    }

    /** 100.64.0.0/10 (carrier-grade NAT, often internal in clouds) and 0.0.0.0/8. */
    private static boolean isSharedOrReserved(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 && ((b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] == 0);
    }

    private static ProblemException refused(String why) {
        return new ProblemException(400, "webhook-target-refused", "Webhook target refused",
                "The webhook URL " + why.toLowerCase(Locale.ROOT) + ".");
    }
}
