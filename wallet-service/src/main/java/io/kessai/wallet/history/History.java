package io.kessai.wallet.history;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.Bulkhead;

import io.kessai.common.problem.ProblemException;
import io.kessai.wallet.WalletConfig;
import io.kessai.wallet.account.AccountView;
import io.kessai.wallet.ledger.LedgerProblem;
import io.kessai.wallet.ledger.TransferKind;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * An account's entries, newest first, a bounded page at a time. The cursor is opaque to callers (it encodes the last
 * entry shown), so pages stay stable while new entries arrive at the top.
 */
@ApplicationScoped
public class History {

    private final Pool pool;
    private final WalletConfig.History config;

    History(Pool pool, WalletConfig config) {
        this.pool = pool;
        this.config = config.history();
    }

    /**
     * One entry in a statement. {@code balanceAfter} is the account's balance after it, shown for single sub-account
     * accounts (every customer wallet); a merchant's credits land on many sub-accounts at once, so its entries show
     * the sub-account's balance after them and the account balance is read from the account itself.
     */
    public record Item(String id, UUID transferId, String kind, String reference, AccountView.Money amount,
            Long balanceAfter, int subAccount, long subAccountBalanceAfter, OffsetDateTime createdAt) {
    }

    public record Page(List<Item> items, String nextCursor) {
    }

    /** Filters as the caller wrote them; {@code from} and {@code to} are ISO-8601 instants with an offset. */
    public record Query(String from, String to, List<String> kinds, String limit, String cursor) {
    }

    /**
     * Bounded so that a storm of statement reads is turned away (503 with Retry-After) before it can slow the
     * payment path, which shares the database pool; see docs/ledger.md for the settings.
     */
    @AsynchronousNonBlocking
    @Bulkhead(value = 16, waitingTaskQueue = 32)
    public Uni<Page> page(AccountView account, Query query) {
        int limit = pageSize(query.limit());
        if (limit < 1 || limit > config.maxPageSize()) {
            throw ProblemException.invalidField("limit", "limit must be between 1 and " + config.maxPageSize() + ".");
        }
        for (String kind : query.kinds()) {
            if (TransferKind.fromWire(kind).isEmpty()) {
                throw ProblemException.invalidField("kind",
                        "Unknown kind '" + kind + "'; kinds are topup, payment, refund, p2p, reversal, adjustment.");
            }
        }
        Long before = decode(query.cursor());
        OffsetDateTime from = instant(query.from(), "from");
        OffsetDateTime to = instant(query.to(), "to");
        String[] kinds = query.kinds().isEmpty() ? null : query.kinds().toArray(String[]::new);
        boolean single = account.subAccounts() == 1;
        return pool
                .preparedQuery("SELECT e.id, e.transfer_id, e.kind, e.amount, e.shard, e.balance_after, e.created_at, "
                        + "t.reference FROM entry e JOIN transfer t ON t.id = e.transfer_id WHERE e.account_id = $1 "
                        + "AND ($2::bigint IS NULL OR e.id < $2) AND ($3::timestamptz IS NULL OR e.created_at >= $3) "
                        + "AND ($4::timestamptz IS NULL OR e.created_at < $4) AND ($5::text[] IS NULL OR e.kind = ANY($5)) "
                        + "ORDER BY e.id DESC LIMIT $6")
                .execute(Tuple.from(Arrays.asList(account.id(), before, from, to, kinds,
                        limit + 1)))
                .map(rows -> {
                    List<Item> items = new ArrayList<>();
                    long last = 0;
                    for (Row row : rows) {
                        if (items.size() == limit) {
                            return new Page(items, encode(last));
                        }
                        last = row.getLong("id");
                        long balanceAfter = row.getLong("balance_after");
                        items.add(new Item(Long.toString(last), row.getUUID("transfer_id"), row.getString("kind"),
                                row.getString("reference"),
                                new AccountView.Money(row.getLong("amount"), account.currency()),
                                single ? balanceAfter : null, row.getInteger("shard"), balanceAfter,
                                row.getOffsetDateTime("created_at")));
                    }
                    return new Page(items, null);
                });
    }

    private int pageSize(String text) {
        if (text == null || text.isBlank()) {
            return config.defaultPageSize();
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static OffsetDateTime instant(String text, String field) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalidField(field,
                    field + " must be an ISO-8601 time with an offset, e.g. 2026-11-22T12:00:00+09:00.");
        }
    }

    private static String encode(long entryId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("e" + entryId).getBytes(StandardCharsets.UTF_8));
    }

    private static Long decode(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith("e")) {
                long id = Long.parseLong(text.substring(1));
                if (id > 0) {
                    return id;
                }
            }
        } catch (IllegalArgumentException notOurs) {
            // answered below
        }
        throw LedgerProblem.INVALID_CURSOR
                .exception("The cursor is not one this API gave out; start from the first page.");
    }
}
