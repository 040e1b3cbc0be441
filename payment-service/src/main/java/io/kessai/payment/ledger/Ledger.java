package io.kessai.payment.ledger;

import java.net.ConnectException;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import io.kessai.common.security.Scopes;
import io.kessai.outbox.ScopedTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * payment-service's view of the ledger: transfers and reversals keyed by our own ids, and the wallet-service account
 * ids of customers and merchants (learned once, kept in this service's database: an account id never changes). Every
 * failure without a definitive answer is a {@link WalletUnavailable} that says whether the call may have been sent.
 */
@ApplicationScoped
public class Ledger {

    /** What payments need from wallet-service, and nothing more. */
    static final String SCOPE = String.join(" ", Scopes.WALLET_ACCOUNTS_READ, Scopes.WALLET_TRANSFERS_PAYMENT,
            Scopes.WALLET_TRANSFERS_REFUND, Scopes.WALLET_TRANSFERS_REVERSE, Scopes.WALLET_TRANSFERS_READ);

    private final WalletCalls calls;
    private final ScopedTokens tokens;
    private final Pool pool;

    Ledger(WalletCalls calls, ScopedTokens tokens, Pool pool) {
        this.calls = calls;
        this.tokens = tokens;
        this.pool = pool;
    }

    /** Posts {@code transfer} under {@code key}: the first answer, or the same again for a repeat. */
    public Uni<WalletAnswer> transfer(String key, JsonObject transfer) {
        return token().flatMap(token -> calls.call(api -> api.transfer(bearer(token), key, transfer))).onFailure()
                .transform(Ledger::classify);
    }

    /** Reverses all of {@code transferId} under {@code key}: the first answer, or the same again for a repeat. */
    public Uni<WalletAnswer> reverse(String key, UUID transferId) {
        return token().flatMap(token -> calls.call(api -> api.reverse(bearer(token), key,
                transferId.toString(), new JsonObject()))).onFailure()
                .transform(Ledger::classify);
    }

    /** The transfer posted under {@code key}, 404 when it never was. */
    public Uni<WalletAnswer> transferByKey(String key) {
        return token().flatMap(token -> calls.call(api -> api.transferByKey(bearer(token), key))).onFailure()
                .transform(Ledger::classify);
    }

    /**
     * The customer's JPY wallet account, or null when the customer has none: {@code known} when the caller read it
     * from {@code customer_account} already, else learned from wallet-service once and kept there.
     */
    public Uni<UUID> customerAccount(String customerId, UUID known) {
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return lookUp(false, customerId).call(account -> account == null
                ? Uni.createFrom().voidItem()
                : pool.preparedQuery("INSERT INTO customer_account (customer_id, account_id) VALUES ($1, $2) "
                        + "ON CONFLICT DO NOTHING").execute(Tuple.of(customerId, account)));
    }

    /** The merchant's ledger account, remembered on the merchant's row; null while wallet-service has none yet. */
    public Uni<UUID> merchantAccount(UUID merchantId, UUID known) {
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return lookUp(true, merchantId.toString()).call(account -> account == null
                ? Uni.createFrom().voidItem()
                : pool.preparedQuery("UPDATE merchant SET ledger_account_id = $2 WHERE id = $1")
                        .execute(Tuple.of(merchantId, account)));
    }

    private Uni<UUID> lookUp(boolean merchant, String owner) {
        return token().flatMap(token -> calls.call(api -> merchant
                ? api.merchantAccounts(bearer(token), owner)
                : api.customerAccounts(bearer(token), owner)))
                .onFailure().transform(Ledger::classify)
                .map(answer -> {
                    if (!answer.posted()) {
                        return null;
                    }
                    JsonArray accounts = answer.body().getJsonArray("items", new JsonArray());
                    for (int i = 0; i < accounts.size(); i++) {
                        JsonObject account = accounts.getJsonObject(i);
                        if ("JPY".equals(account.getString("currency")) && !"closed".equals(account.getString(
                                "status"))) {
                            return UUID.fromString(account.getString("id"));
                        }
                    }
                    return null;
                });
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private Uni<String> token() {
        return tokens.token(SCOPE).onFailure()
                .transform(e -> new WalletUnavailable("no token for wallet-service from auth-service", false, e));
    }

    static Throwable classify(Throwable failure) {
        if (failure instanceof WalletUnavailable) {
            return failure;
        }
        if (failure instanceof CircuitBreakerOpenException) {
            return new WalletUnavailable("wallet-service's circuit breaker is open", false, failure);
        }
        if (failure instanceof BulkheadException) {
            return new WalletUnavailable("too many calls to wallet-service in flight", false, failure);
        }
        if (failure instanceof ConnectException || failure.getCause() instanceof ConnectException) {
            return new WalletUnavailable("wallet-service refused the connection", false, failure);
        }
        if (failure instanceof TimeoutException) {
            return new WalletUnavailable("wallet-service did not answer in time", true, failure);
        }
        return new WalletUnavailable("wallet-service failed: " + failure.getClass().getSimpleName(), true, failure);
    }
}
