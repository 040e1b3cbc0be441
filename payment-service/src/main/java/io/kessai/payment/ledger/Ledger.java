package io.kessai.payment.ledger;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

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

    /** What payments, refunds, P2P transfers, top-ups and settlement need from wallet-service, and nothing more. */
    static final String SCOPE = String.join(" ", Scopes.WALLET_ACCOUNTS_READ, Scopes.WALLET_TRANSFERS_TOPUP,
            Scopes.WALLET_TRANSFERS_PAYMENT, Scopes.WALLET_TRANSFERS_REFUND, Scopes.WALLET_TRANSFERS_P2P,
            Scopes.WALLET_TRANSFERS_FEE, Scopes.WALLET_TRANSFERS_PAYOUT, Scopes.WALLET_TRANSFERS_REVERSE,
            Scopes.WALLET_TRANSFERS_READ);

    private final WalletCalls calls;
    private final ScopedTokens tokens;
    private final Pool pool;
    /** System accounts by code, once learned: a system account's id never changes. */
    private final Map<String, UUID> systemAccounts = new ConcurrentHashMap<>();

    Ledger(WalletCalls calls, ScopedTokens tokens, Pool pool) {
        this.calls = calls;
        this.tokens = tokens;
        this.pool = pool;
    }

    /** Posts {@code transfer} under {@code key}: the first answer, or the same again for a repeat. */
    public Uni<WalletAnswer> transfer(String key, JsonObject transfer) {
        return call(token -> api -> api.transfer(token, key, transfer));
    }

    /** A transfer to post and the key it is posted under. */
    public record Posting(String key, JsonObject transfer) {
    }

    /**
     * Posts many transfers, each under its own key and judged alone: the answers in their order, each the one a
     * {@link #transfer} of its own would have had. One transfer goes as a single request; more go as one
     * {@code POST /v1/internal/transfers/batch} (one request, one wallet-service transaction and commit). A batch
     * wallet-service refuses as a whole (a 4xx: nothing of it was posted) is a {@link WalletUnavailable} that cannot
     * have sent anything; a per-transfer 5xx, which wallet-service does not give, would count as an unknown outcome.
     */
    public Uni<List<WalletAnswer>> transfers(List<Posting> postings) {
        if (postings.size() == 1) {
            Posting only = postings.getFirst();
            return transfer(only.key(), only.transfer()).map(List::of);
        }
        JsonArray items = new JsonArray();
        for (Posting posting : postings) {
            items.add(new JsonObject().put("idempotencyKey", posting.key()).put("transfer", posting.transfer()));
        }
        JsonObject batch = new JsonObject().put("transfers", items);
        return call(token -> api -> api.transferBatch(token, batch))
                .map(answer -> {
                    JsonArray results = answer.status() == 200 ? answer.body().getJsonArray("results") : null;
                    if (results == null || results.size() != postings.size()) {
                        throw new WalletUnavailable("wallet-service refused a batch of " + postings.size()
                                + " transfers as a whole: " + answer.status() + " " + answer.detail(), false, null);
                    }
                    List<WalletAnswer> answers = new ArrayList<>(results.size());
                    for (int i = 0; i < results.size(); i++) {
                        JsonObject result = results.getJsonObject(i);
                        int status = result.getInteger("status");
                        answers.add(new WalletAnswer(status, status < 300
                                ? result.getJsonObject("transfer")
                                : result.getJsonObject("problem")));
                    }
                    return answers;
                });
    }

    /** Reverses all of {@code transferId} under {@code key}: the first answer, or the same again for a repeat. */
    public Uni<WalletAnswer> reverse(String key, UUID transferId) {
        return call(token -> api -> api.reverse(token, key, transferId.toString(), new JsonObject()));
    }

    /** The transfer posted under {@code key}, 404 when it never was. */
    public Uni<WalletAnswer> transferByKey(String key) {
        return call(token -> api -> api.transferByKey(token, key));
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

    /**
     * The {@code funding-clearing} system account, which every top-up debits: learned from wallet-service once, then
     * kept ({@link WalletUnavailable} while it cannot be learned).
     */
    public Uni<UUID> fundingClearing() {
        return systemAccount("funding-clearing");
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

    /**
     * A system account's id ({@code fees}, {@code payout-clearing}): asked once, then remembered (a system account
     * never changes). A wallet-service without it (an older one) is a {@link WalletUnavailable} that sent nothing.
     */
    public Uni<UUID> systemAccount(String code) {
        UUID known = systemAccounts.get(code);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return call(token -> api -> api.systemAccount(token, code)).map(answer -> {
            if (answer.status() != 200 || answer.body() == null || answer.body().getString("id") == null) {
                throw new WalletUnavailable("wallet-service answered " + answer.status() + " to the lookup of the "
                        + "system account " + code, false, null);
            }
            UUID id = UUID.fromString(answer.body().getString("id"));
            systemAccounts.put(code, id);
            return id;
        });
    }

    private Uni<UUID> lookUp(boolean merchant, String owner) {
        return call(token -> api -> merchant
                ? api.merchantAccounts(token, owner)
                : api.customerAccounts(token, owner))
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

    /**
     * One call with this service's token, through {@link WalletCalls}. A 401 or 403 is wallet-service refusing the
     * token (expired on the way, a scope not granted yet), never the payment: nothing was posted, so it is a
     * {@link WalletUnavailable} that cannot have been sent, and the token is dropped so the next call gets a new one.
     */
    private Uni<WalletAnswer> call(Function<String, Function<WalletApi, Uni<Response>>> request) {
        return token().flatMap(token -> calls.call(request.apply("Bearer " + token))).onFailure()
                .transform(Ledger::classify)
                .map(answer -> {
                    if (answer.status() == 401 || answer.status() == 403) {
                        tokens.forget(SCOPE);
                        throw new WalletUnavailable("wallet-service refused this service's token (HTTP "
                                + answer.status() + ")", false, null);
                    }
                    return answer;
                });
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
