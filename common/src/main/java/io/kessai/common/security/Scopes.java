package io.kessai.common.security;

import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.quarkus.security.StringPermission;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * The scopes a service client's token may carry (OAuth {@code scope}, space-separated), and which of them each known
 * client is granted unless auth-service is configured otherwise. A resource server checks one per internal endpoint
 * with {@code @PermissionsAllowed}: quarkus-oidc turns each scope of a verified token into a permission of that name.
 * Least privilege: a client holds exactly what its calls need, so a stolen secret of one service cannot move money
 * that the service never moves (docs/security.md, "Service clients and their scopes").
 */
public final class Scopes {

    /** Read accounts, balances and history. */
    public static final String WALLET_ACCOUNTS_READ = "wallet:accounts.read";
    /** Open a customer's wallet (auth-service, when a user is activated). */
    public static final String WALLET_CUSTOMERS_OPEN = "wallet:customers.open";
    /** Freeze and unfreeze every account of a customer (auth-service, when ops freezes a user). */
    public static final String WALLET_CUSTOMERS_FREEZE = "wallet:customers.freeze";
    /** Open a merchant's account (payment-service owns merchants). */
    public static final String WALLET_MERCHANTS_OPEN = "wallet:merchants.open";
    /** Freeze and unfreeze a merchant's account (payment-service, when ops freezes a merchant). */
    public static final String WALLET_MERCHANTS_FREEZE = "wallet:merchants.freeze";
    /** Post a {@code topup}: the only kind that may debit funding clearing, where money enters the ledger. */
    public static final String WALLET_TRANSFERS_TOPUP = "wallet:transfers.topup";
    public static final String WALLET_TRANSFERS_PAYMENT = "wallet:transfers.payment";
    public static final String WALLET_TRANSFERS_REFUND = "wallet:transfers.refund";
    public static final String WALLET_TRANSFERS_P2P = "wallet:transfers.p2p";
    /** Post a {@code fee}: a merchant's settlement fee, from its account to the fees account. */
    public static final String WALLET_TRANSFERS_FEE = "wallet:transfers.fee";
    /** Post a {@code payout}: a merchant's settled balance, from its account to payout clearing (to its bank). */
    public static final String WALLET_TRANSFERS_PAYOUT = "wallet:transfers.payout";
    /** Corrections between any accounts; no client is granted it by default. */
    public static final String WALLET_TRANSFERS_ADJUSTMENT = "wallet:transfers.adjustment";
    /** Reverse a transfer the same client posted. */
    public static final String WALLET_TRANSFERS_REVERSE = "wallet:transfers.reverse";
    /** Look transfers up (by id, or by idempotency key to settle an unknown outcome). */
    public static final String WALLET_TRANSFERS_READ = "wallet:transfers.read";
    /** Reserve, capture and void holds; a capture also needs the scope of the kind it posts. */
    public static final String WALLET_HOLDS_WRITE = "wallet:holds.write";
    public static final String WALLET_HOLDS_READ = "wallet:holds.read";
    /** Hand events to notification-service for delivery. */
    public static final String NOTIFICATION_EVENTS_SEND = "notification:events.send";
    /**
     * Tell auth-service which merchant and stores an owner holds and in which state (payment-service, on approval and
     * on every change), so that till credentials are granted from payment-service's records, never from a request.
     */
    public static final String AUTH_MERCHANTS_WRITE = "auth:merchants.write";
    /**
     * Resolve a phone number to the customer who can receive a person-to-person transfer (payment-service, for P2P);
     * rate limited per client, and an unknown number answers as one that cannot receive.
     */
    public static final String AUTH_USERS_RESOLVE = "auth:users.resolve";
    /**
     * Tell payment-service which users and devices auth-service froze, unfroze or unbound (auth-service, through its
     * outbox), so that no money moves for them and their payment keys are revoked without waiting for a code.
     */
    public static final String PAYMENT_SUBJECTS_FREEZE = "payment:subjects.freeze";

    /** Every scope there is; auth-service refuses to start with a client configured for any other. */
    public static final Set<String> KNOWN = Set.of(WALLET_ACCOUNTS_READ, WALLET_CUSTOMERS_OPEN,
            WALLET_CUSTOMERS_FREEZE, WALLET_MERCHANTS_OPEN, WALLET_MERCHANTS_FREEZE, WALLET_TRANSFERS_TOPUP,
            WALLET_TRANSFERS_PAYMENT,
            WALLET_TRANSFERS_REFUND, WALLET_TRANSFERS_P2P, WALLET_TRANSFERS_FEE, WALLET_TRANSFERS_PAYOUT,
            WALLET_TRANSFERS_ADJUSTMENT, WALLET_TRANSFERS_REVERSE, WALLET_TRANSFERS_READ, WALLET_HOLDS_WRITE,
            WALLET_HOLDS_READ, NOTIFICATION_EVENTS_SEND,
            AUTH_MERCHANTS_WRITE, AUTH_USERS_RESOLVE, PAYMENT_SUBJECTS_FREEZE);

    public static final String AUTH_SERVICE = "auth-service";
    public static final String WALLET_SERVICE = "wallet-service";
    public static final String PAYMENT_SERVICE = "payment-service";
    public static final String NOTIFICATION_SERVICE = "notification-service";

    /**
     * What each known client needs for the calls it makes, so that the local stack and production name no scopes at
     * all. wallet-service and notification-service call no internal endpoint: they hold none.
     */
    private static final Map<String, Set<String>> GRANTED_BY_DEFAULT = Map.of(
            AUTH_SERVICE, Set.of(WALLET_CUSTOMERS_OPEN, WALLET_CUSTOMERS_FREEZE, NOTIFICATION_EVENTS_SEND,
                    PAYMENT_SUBJECTS_FREEZE),
            PAYMENT_SERVICE, Set.of(WALLET_ACCOUNTS_READ, WALLET_MERCHANTS_OPEN, WALLET_MERCHANTS_FREEZE,
                    WALLET_TRANSFERS_TOPUP, WALLET_TRANSFERS_PAYMENT, WALLET_TRANSFERS_REFUND, WALLET_TRANSFERS_P2P,
                    WALLET_TRANSFERS_FEE, WALLET_TRANSFERS_PAYOUT, WALLET_TRANSFERS_REVERSE, WALLET_TRANSFERS_READ,
                    WALLET_HOLDS_WRITE, WALLET_HOLDS_READ,
                    NOTIFICATION_EVENTS_SEND, AUTH_MERCHANTS_WRITE, AUTH_USERS_RESOLVE),
            WALLET_SERVICE, Set.of(),
            NOTIFICATION_SERVICE, Set.of());

    private Scopes() {
    }

    /** The scopes a client gets when its configuration names none: its calls' for a known client, else none. */
    public static SortedSet<String> grantedByDefault(String clientId) {
        return new TreeSet<>(GRANTED_BY_DEFAULT.getOrDefault(clientId, Set.of()));
    }

    /**
     * Requires a scope that depends on the request (a transfer's kind), after the endpoint's own check: 403
     * {@code forbidden} naming what is missing.
     *
     * @param what what the scope allows, for the answer: "post topup transfers"
     */
    public static Uni<Void> require(SecurityIdentity identity, String scope, String what) {
        return identity.checkPermission(permission(scope)).map(granted -> {
            if (!granted) {
                throw new ProblemException(403, ProblemCodes.FORBIDDEN, "Forbidden",
                        "This client may not " + what + ": that needs scope " + scope + ".");
            }
            return null;
        });
    }

    /**
     * The permission quarkus-oidc makes of a scope ({@code wallet:transfers.topup} is permission {@code wallet} with
     * action {@code transfers.topup}), for checks that depend on the request, such as a transfer's kind.
     */
    public static StringPermission permission(String scope) {
        int colon = scope.indexOf(':');
        return colon > 0 && colon < scope.length() - 1
                ? new StringPermission(scope.substring(0, colon), scope.substring(colon + 1))
                : new StringPermission(scope);
    }
}
