package io.kessai.auth.security;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.AuthConfig.ClientAddresses.ForwardedHeader;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;

/**
 * The address of the client a request comes from, which every per-address limit and the audit log use; nothing else
 * reads the forwarding headers.
 *
 * <p>A client can write any {@code X-Forwarded-For} or {@code Forwarded} it likes, and a proxy only appends the
 * address it was reached from. So the only entries worth believing are those that the deployment's own proxies
 * appended: starting from the socket peer and walking the header from the right, each hop that is a trusted proxy
 * vouches for the entry to its left, and the first address that is not a trusted proxy is the client. Whatever stands
 * left of it was written by the client (or by proxies of its choosing) and is never read. With no trusted proxies the
 * header is ignored altogether. Quarkus's own forwarding support takes the leftmost entry, so it is off.
 */
@ApplicationScoped
public class ClientAddress {

    /** What the audit log records when the peer is no IP address (never, over TCP). */
    static final String UNKNOWN = "unknown";

    private final List<IpSubnetFilterRule> trustedProxies;
    private final ForwardedHeader header;

    @Inject
    ClientAddress(AuthConfig config) {
        this(config.clientAddress().trustedProxies().orElse(List.of()), config.clientAddress().header());
    }

    /** Fails at start on a range that is not an IP address or CIDR range, rather than trusting less than was meant. */
    public ClientAddress(List<String> trustedProxies, ForwardedHeader header) {
        this.trustedProxies = trustedProxies.stream().map(String::trim).filter(range -> !range.isEmpty())
                .map(ClientAddress::range).toList();
        this.header = header;
    }

    /** The client's address in its canonical text form (RFC 5952 for IPv6), or {@value #UNKNOWN}. */
    public String of(HttpServerRequest request) {
        String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        List<String> forwarded = trustedProxies.isEmpty() ? List.of() : request.headers().getAll(headerName());
        return resolve(peer, forwarded);
    }

    /** {@link #of} from the peer's address and the forwarding header's lines, in the order they came. */
    String resolve(String peer, List<String> headerLines) {
        InetAddress client = parse(peer);
        if (client == null) {
            return UNKNOWN;
        }
        if (isTrustedProxy(client)) {
            List<String> hops = hops(headerLines);
            for (int i = hops.size() - 1; i >= 0; i--) {
                InetAddress hop = parse(hops.get(i));
                if (hop == null) {
                    // A trusted proxy passed on something that names no address (unknown, an obfuscated name, junk):
                    // the last hop we can vouch for is the nearest thing to the client we know.
                    break;
                }
                client = hop;
                if (!isTrustedProxy(hop)) {
                    break;
                }
            }
        }
        return NetUtil.toAddressString(client);
    }

    /**
     * The bucket subject of a per-address limit for an address {@link #of} gave: an IPv4 address itself, an IPv6
     * address by its network of {@code ipv6PrefixLength} bits (a customer picks any address in its own /64).
     */
    public static String limitSubject(String address, int ipv6PrefixLength) {
        InetAddress parsed = parse(address);
        if (!(parsed instanceof Inet6Address) || ipv6PrefixLength >= 128) {
            return address;
        }
        byte[] bytes = parsed.getAddress();
        for (int bit = Math.max(0, ipv6PrefixLength); bit < 128; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return NetUtil.toAddressString(InetAddress.getByAddress(bytes)) + "/" + ipv6PrefixLength;
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** An address as ops may type it ({@code 2001:DB8:0::1}) in the form the audit log records; anything else as is. */
    public static String canonical(String address) {
        InetAddress parsed = parse(address);
        return parsed == null ? address : NetUtil.toAddressString(parsed);
    }

    private boolean isTrustedProxy(InetAddress address) {
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        return trustedProxies.stream().anyMatch(range -> range.matches(socket));
    }

    private String headerName() {
        return header == ForwardedHeader.FORWARDED ? "Forwarded" : "X-Forwarded-For";
    }

    /** The header's entries left to right; several lines count as one list in their order (RFC 9110 §5.3). */
    private List<String> hops(List<String> headerLines) {
        List<String> hops = new ArrayList<>();
        for (String line : headerLines) {
            for (String element : elements(line)) {
                hops.add(header == ForwardedHeader.FORWARDED ? forwardedFor(element) : element);
            }
        }
        return hops;
    }

    /** Splits at commas outside quoted strings (a Forwarded value may quote a comma). */
    private static List<String> elements(String line) {
        List<String> elements = new ArrayList<>();
        StringBuilder element = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\\' && quoted && i + 1 < line.length()) {
                element.append(c);
                c = line.charAt(++i);
            } else if (c == ',' && !quoted) {
                elements.add(element.toString().trim());
                element.setLength(0);
                continue;
            }
            element.append(c);
        }
        elements.add(element.toString().trim());
        return elements;
    }

    /** The {@code for} parameter of one Forwarded element, or null when it has none (RFC 7239 §4). */
    private static String forwardedFor(String element) {
        for (String pair : element.split(";")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.substring(0, equals).trim().equalsIgnoreCase("for")) {
                return pair.substring(equals + 1).trim();
            }
        }
        return null;
    }

    /**
     * An IP address literal, with the quotes, brackets and port that proxies may add ({@code "[2001:db8::1]:4711"},
     * {@code 192.0.2.7:80}); null for anything else. Never a DNS lookup: a name is no address.
     */
    static InetAddress parse(String entry) {
        if (entry == null) {
            return null;
        }
        String host = entry.trim();
        if (host.length() >= 2 && host.startsWith("\"") && host.endsWith("\"")) {
            host = host.substring(1, host.length() - 1).trim();
        }
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            host = close < 0 ? "" : host.substring(1, close);
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.isEmpty() ? null : NetUtil.createInetAddressFromIpAddressString(host);
    }

    private static IpSubnetFilterRule range(String range) {
        int slash = range.indexOf('/');
        InetAddress network = NetUtil.createInetAddressFromIpAddressString(slash < 0
                ? range
                : range.substring(0,
                        slash));
        if (network == null) {
            throw new IllegalArgumentException("kessai.auth.client-address.trusted-proxies: '" + range
                    + "' is not an IP address or CIDR range (e.g. 10.0.0.0/8, fd00::/8)");
        }
        int bits = network instanceof Inet6Address ? 128 : 32;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(range.substring(slash + 1));
        } catch (NumberFormatException notANumber) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("kessai.auth.client-address.trusted-proxies: '" + range
                    + "' needs a prefix length from 0 to " + bits);
        }
        return new IpSubnetFilterRule(network, prefix, IpFilterRuleType.ACCEPT);
    }
}
