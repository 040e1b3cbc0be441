package io.kessai.payment.merchant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.kessai.outbox.Outbox;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.qr.MpmCode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Merchant applications and their review. An owner applies (idempotent under their key); ops approve, which opens the
 * merchant's ledger account in wallet-service through the outbox in the same transaction (so an approved merchant
 * always gets its account, once, whatever fails meanwhile), or reject with a reason.
 */
@ApplicationScoped
public class Merchants {

    /** The outbox destination (kessai.outbox.destinations.wallet) and wallet-service's idempotent opening. */
    static final String WALLET = "wallet";
    static final String OPEN_MERCHANT_ACCOUNT = "/v1/internal/accounts/merchants";
    /** The outbox destination (kessai.outbox.destinations.auth) that learns which merchants an owner holds. */
    static final String AUTH = "auth";
    static final String AUTH_MERCHANTS = "/v1/internal/merchants/";

    private static final String COLUMNS = "id, owner_id, legal_name, display_name, city, category_code, status, "
            + "rejection_reason, reviewed_at, frozen_reason, frozen_at, version, created_at";

    private final Pool pool;
    private final Outbox outbox;
    private final PaymentConfig.Merchants config;

    Merchants(Pool pool, Outbox outbox, PaymentConfig config) {
        this.pool = pool;
        this.outbox = outbox;
        this.config = config.merchants();
    }

    /** The result of an application: the merchant, and whether this was a retry answered with the first result. */
    public record Applied(MerchantView merchant, boolean replayed) {
    }

    /** Applies for a merchant owned by {@code ownerId}; a retry under the same key answers the first application. */
    public Uni<Applied> apply(String ownerId, String idempotencyKey, MerchantApplication application) {
        if (idempotencyKey == null || idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
            throw ProblemType.MISSING_IDEMPOTENCY_KEY.exception(
                    "Send an Idempotency-Key header (1 to 255 characters) and reuse it when you retry.");
        }
        check(application);
        String sha256 = RequestDigest.sha256(application);
        UUID id = TimeOrderedUuid.next();
        return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO merchant (id, owner_id, idempotency_key, "
                + "request_sha256, legal_name, display_name, city, category_code, status) "
                + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending_review') "
                + "ON CONFLICT (owner_id, idempotency_key) DO NOTHING RETURNING id")
                .execute(Tuple.from(List.of(id, ownerId, idempotencyKey, sha256, application.legalName().strip(),
                        application.displayName().strip(), application.city().strip(), application.categoryCode())))
                .flatMap(inserted -> inserted.size() == 1
                        ? insertStores(tx, id, application.stores()).flatMap(done -> read(tx, id))
                                .map(merchant -> new Applied(merchant, false))
                        : replay(tx, ownerId, idempotencyKey, sha256)));
    }

    private void check(MerchantApplication application) {
        if (!MpmCode.isDisplayable(application.displayName().strip(), MpmCode.MAX_NAME_LENGTH)) {
            throw ProblemException.invalidField("displayName", "must be 1 to " + MpmCode.MAX_NAME_LENGTH
                    + " characters without control characters: it is printed in the QR code (tag 59)");
        }
        if (!MpmCode.isDisplayable(application.city().strip(), MpmCode.MAX_CITY_LENGTH)) {
            throw ProblemException.invalidField("city", "must be 1 to " + MpmCode.MAX_CITY_LENGTH
                    + " characters without control characters: it is printed in the QR code (tag 60)");
        }
        if (application.stores().size() > config.maxStores()) {
            throw ProblemException.invalidField("stores", "at most " + config.maxStores() + " stores per application");
        }
    }

    /** A store added to a merchant, and whether it was there already (a retry of the same name). */
    public record AddedStore(MerchantView.StoreView store, boolean replayed) {
    }

    /**
     * Adds a store to the owner's active merchant; auth-service learns it (in order, at a new version), so the owner
     * can give it tills. A store of that name already there is the answer, so a retry adds nothing.
     */
    public Uni<AddedStore> addStore(String ownerId, UUID merchantId, MerchantApplication.Store store) {
        String name = store.name().strip();
        return pool.withTransaction(tx -> lockOwned(tx, ownerId, merchantId).flatMap(status -> {
            if (status != MerchantStatus.ACTIVE) {
                throw MerchantProblem.MERCHANT_NOT_ACTIVE.exception("Merchant " + merchantId + " is " + status.wire()
                        + "; stores are added to an active merchant.");
            }
            return tx.preparedQuery("SELECT id, name, status, (SELECT count(*) FROM store WHERE merchant_id = $1) "
                    + "AS stores, (SELECT coalesce(max(position) + 1, 0) FROM store WHERE merchant_id = $1) AS next "
                    + "FROM (SELECT 1) one LEFT JOIN store ON merchant_id = $1 AND name = $2")
                    .execute(Tuple.of(merchantId, name)).flatMap(rows -> {
                        Row row = rows.iterator().next();
                        if (row.getUUID("id") != null) {
                            return Uni.createFrom().item(new AddedStore(new MerchantView.StoreView(row.getUUID("id"),
                                    row.getString("name"), row.getString("status")), true));
                        }
                        if (row.getLong("stores") >= config.maxStores()) {
                            throw MerchantProblem.STORE_LIMIT_REACHED.exception("A merchant has at most "
                                    + config.maxStores() + " stores.");
                        }
                        UUID id = TimeOrderedUuid.next();
                        return tx.preparedQuery("INSERT INTO store (id, merchant_id, position, name) VALUES ($1, $2, "
                                + "$3, $4)").execute(Tuple.of(id, merchantId, row.getInteger("next"), name))
                                .flatMap(added -> changed(tx, merchantId))
                                .map(merchant -> new AddedStore(new MerchantView.StoreView(id, name, "active"),
                                        false));
                    });
        }));
    }

    /**
     * Closes a store of the owner's merchant: from this commit on it takes no payments and makes no codes, and
     * auth-service (told in order) issues its tills no tokens. Closing a closed store answers the merchant as it is.
     */
    public Uni<MerchantView> closeStore(String ownerId, UUID merchantId, UUID storeId) {
        return pool.withTransaction(tx -> lockOwned(tx, ownerId, merchantId)
                .flatMap(status -> tx.preparedQuery("SELECT status FROM store WHERE id = $1 AND merchant_id = $2 "
                        + "FOR UPDATE").execute(Tuple.of(storeId, merchantId)))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw MerchantProblem.STORE_NOT_FOUND.exception("No store " + storeId + " of merchant "
                                + merchantId + ".");
                    }
                    if ("closed".equals(rows.iterator().next().getString("status"))) {
                        return read(tx, merchantId);
                    }
                    return tx.preparedQuery("UPDATE store SET status = 'closed' WHERE id = $1")
                            .execute(Tuple.of(storeId)).flatMap(closed -> changed(tx, merchantId));
                }));
    }

    /** A change auth-service must learn: a new version, queued to it in order. */
    private Uni<MerchantView> changed(SqlConnection tx, UUID merchantId) {
        return tx.preparedQuery("UPDATE merchant SET version = version + 1 WHERE id = $1").execute(Tuple.of(merchantId))
                .flatMap(bumped -> tellAuth(tx, merchantId));
    }

    /** The owner's merchant's state, its row locked; 404 for another owner's, like one that does not exist. */
    private static Uni<MerchantStatus> lockOwned(SqlClient tx, String ownerId, UUID merchantId) {
        return tx.preparedQuery("SELECT status FROM merchant WHERE id = $1 AND owner_id = $2 FOR UPDATE")
                .execute(Tuple.of(merchantId, ownerId)).map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(merchantId);
                    }
                    return MerchantStatus.fromWire(rows.iterator().next().getString("status")).orElseThrow();
                });
    }

    private static Uni<Void> insertStores(SqlClient tx, UUID merchantId, List<MerchantApplication.Store> stores) {
        List<Tuple> rows = new ArrayList<>();
        for (int i = 0; i < stores.size(); i++) {
            rows.add(Tuple.of(TimeOrderedUuid.next(), merchantId, i, stores.get(i).name().strip()));
        }
        return tx.preparedQuery("INSERT INTO store (id, merchant_id, position, name) VALUES ($1, $2, $3, $4)")
                .executeBatch(rows).replaceWithVoid();
    }

    private Uni<Applied> replay(SqlClient tx, String ownerId, String idempotencyKey, String sha256) {
        return tx.preparedQuery("SELECT id, request_sha256 FROM merchant WHERE owner_id = $1 AND idempotency_key = $2")
                .execute(Tuple.of(ownerId, idempotencyKey))
                .flatMap(rows -> {
                    Row first = rows.iterator().next();
                    if (!first.getString("request_sha256").equals(sha256)) {
                        throw ProblemType.IDEMPOTENCY_KEY_REUSED.exception("Idempotency key " + idempotencyKey
                                + " was used for a different application; use a new key for a new one.");
                    }
                    return read(tx, first.getUUID("id")).map(merchant -> new Applied(merchant, true));
                });
    }

    /** The owner's merchant; someone else's answers as one that does not exist. */
    public Uni<MerchantView> ofOwner(String ownerId, UUID id) {
        return read(pool, id).map(merchant -> {
            if (merchant == null || !merchant.ownerId().equals(ownerId)) {
                throw notFound(id);
            }
            return merchant;
        });
    }

    /** The owner's merchants, oldest first. */
    public Uni<List<MerchantView>> ofOwner(String ownerId) {
        return list(pool, "SELECT " + COLUMNS + " FROM merchant WHERE owner_id = $1 ORDER BY created_at, id LIMIT $2",
                Tuple.of(ownerId, config.maxPageSize()));
    }

    /** Merchants in one review state, oldest first (the ops review queue). */
    public Uni<List<MerchantView>> withStatus(MerchantStatus status) {
        return list(pool, "SELECT " + COLUMNS + " FROM merchant WHERE status = $1 ORDER BY created_at, id LIMIT $2",
                Tuple.of(status.wire(), config.maxPageSize()));
    }

    /** Any merchant, for ops. */
    public Uni<MerchantView> byId(UUID id) {
        return read(pool, id).map(merchant -> {
            if (merchant == null) {
                throw notFound(id);
            }
            return merchant;
        });
    }

    /**
     * Approves a pending merchant and, in the same transaction, queues the opening of its ledger account. Approving
     * an active merchant again answers it as it is (a retried approval); a rejected one cannot be approved.
     */
    public Uni<MerchantView> approve(UUID id, String operator) {
        return pool.withTransaction(tx -> lockForReview(tx, id).flatMap(status -> {
            if (status == MerchantStatus.ACTIVE) {
                return read(tx, id);
            }
            if (status != MerchantStatus.PENDING_REVIEW) {
                throw MerchantProblem.MERCHANT_NOT_PENDING.exception("Merchant " + id + " is " + status.wire()
                        + "; only a merchant pending review can be approved.");
            }
            JsonObject open = new JsonObject().put("merchantId", id.toString())
                    .put("subAccounts", config.ledgerSubAccounts());
            return review(tx, id, MerchantStatus.ACTIVE, null, operator)
                    .flatMap(done -> outbox.callInOrder(tx, "merchant-account:" + id, "merchant:" + id, WALLET,
                            OPEN_MERCHANT_ACCOUNT, open))
                    .flatMap(done -> tellAuth(tx, id));
        }));
    }

    /** Rejects a pending merchant with a reason its owner sees; rejecting a rejected one again answers it as it is. */
    public Uni<MerchantView> reject(UUID id, String reason, String operator) {
        return pool.withTransaction(tx -> lockForReview(tx, id).flatMap(status -> {
            if (status == MerchantStatus.REJECTED) {
                return read(tx, id);
            }
            if (status != MerchantStatus.PENDING_REVIEW) {
                throw MerchantProblem.MERCHANT_NOT_PENDING.exception("Merchant " + id + " is " + status.wire()
                        + "; only a merchant pending review can be rejected.");
            }
            return review(tx, id, MerchantStatus.REJECTED, reason, operator).flatMap(done -> tellAuth(tx, id));
        }));
    }

    /**
     * Freezes an active merchant: from this commit on no payment to it is accepted ({@code merchant-frozen}), its
     * tills get no new tokens, and its ledger account is frozen (through the outbox, in order after its opening), which
     * still lets refunds pay customers back. Freezing a frozen merchant again answers it as it is.
     */
    public Uni<MerchantView> freeze(UUID id, String reason, String operator) {
        return changeFreeze(id, MerchantStatus.FROZEN, reason, operator);
    }

    /** Makes a frozen merchant active again, its ledger account too. Unfreezing an active one answers it as it is. */
    public Uni<MerchantView> unfreeze(UUID id, String reason, String operator) {
        return changeFreeze(id, MerchantStatus.ACTIVE, reason, operator);
    }

    private Uni<MerchantView> changeFreeze(UUID id, MerchantStatus target, String reason, String operator) {
        MerchantStatus from = target == MerchantStatus.FROZEN ? MerchantStatus.ACTIVE : MerchantStatus.FROZEN;
        boolean freezing = target == MerchantStatus.FROZEN;
        return pool.withTransaction(tx -> lockForReview(tx, id).flatMap(status -> {
            if (status == target) {
                return read(tx, id);
            }
            if (status != from) {
                throw MerchantProblem.MERCHANT_NOT_ACTIVE.exception("Merchant " + id + " is " + status.wire()
                        + "; only an active merchant can be frozen, and only a frozen one unfrozen.");
            }
            return tx.preparedQuery("UPDATE merchant SET status = $2, frozen_reason = $3, frozen_at = "
                    + (freezing ? "now()" : "NULL") + ", version = version + 1 WHERE id = $1 RETURNING version")
                    .execute(Tuple.of(id, target.wire(), freezing ? reason : null))
                    .flatMap(rows -> outbox.callInOrder(tx,
                            "merchant-account:" + id + ":v" + rows.iterator().next().getLong("version"),
                            "merchant:" + id, WALLET,
                            OPEN_MERCHANT_ACCOUNT + "/" + id + (freezing ? "/freeze" : "/unfreeze"),
                            new JsonObject().put("reason", reason + " (" + operator + ")")))
                    .flatMap(done -> tellAuth(tx, id));
        }));
    }

    /**
     * Queues, in the caller's transaction, what auth-service must know of the merchant: owner, state and stores, at
     * the row's current version, in order after every earlier one. auth-service keeps the newest version it has seen,
     * so a retried or late call can never roll a freeze back. Answers the merchant as it now is.
     */
    private Uni<MerchantView> tellAuth(SqlConnection tx, UUID id) {
        return read(tx, id).flatMap(merchant -> {
            JsonArray stores = new JsonArray();
            merchant.stores().forEach(store -> stores.add(new JsonObject().put("storeId", store.id().toString())
                    .put("name", store.name()).put("status", store.status())));
            JsonObject holding = new JsonObject().put("ownerId", merchant.ownerId()).put("status", merchant.status())
                    .put("version", merchant.version()).put("stores", stores);
            return outbox.callInOrder(tx, "merchant-holding:" + id + ":v" + merchant.version(), "merchant-auth:" + id,
                    AUTH, AUTH_MERCHANTS + id, holding).map(done -> merchant);
        });
    }

    private static Uni<MerchantStatus> lockForReview(SqlClient tx, UUID id) {
        return tx.preparedQuery("SELECT status FROM merchant WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(id);
                    }
                    return MerchantStatus.fromWire(rows.iterator().next().getString("status")).orElseThrow();
                });
    }

    private static Uni<Void> review(SqlClient tx, UUID id, MerchantStatus status, String reason, String operator) {
        return tx.preparedQuery("UPDATE merchant SET status = $2, rejection_reason = $3, reviewed_by = $4, "
                + "reviewed_at = now(), version = version + 1 WHERE id = $1")
                .execute(Tuple.of(id, status.wire(), reason, operator))
                .replaceWithVoid();
    }

    private static Uni<MerchantView> read(SqlClient client, UUID id) {
        return list(client, "SELECT " + COLUMNS + " FROM merchant WHERE id = $1", Tuple.of(id))
                .map(merchants -> merchants.isEmpty() ? null : merchants.getFirst());
    }

    /** Merchants with their stores, in the order of {@code sql}. */
    private static Uni<List<MerchantView>> list(SqlClient client, String sql, Tuple arguments) {
        return client.preparedQuery(sql).execute(arguments).flatMap(rows -> {
            Map<UUID, Row> merchants = new LinkedHashMap<>();
            rows.forEach(row -> merchants.put(row.getUUID("id"), row));
            if (merchants.isEmpty()) {
                return Uni.createFrom().item(List.<MerchantView>of());
            }
            return client.preparedQuery("SELECT id, merchant_id, name, status FROM store WHERE merchant_id = ANY($1) "
                    + "ORDER BY merchant_id, position")
                    .execute(Tuple.of(merchants.keySet().toArray(UUID[]::new)))
                    .map(stores -> views(merchants, stores));
        });
    }

    private static List<MerchantView> views(Map<UUID, Row> merchants, RowSet<Row> stores) {
        Map<UUID, List<MerchantView.StoreView>> byMerchant = new LinkedHashMap<>();
        stores.forEach(store -> byMerchant.computeIfAbsent(store.getUUID("merchant_id"), id -> new ArrayList<>())
                .add(new MerchantView.StoreView(store.getUUID("id"), store.getString("name"),
                        store.getString("status"))));
        List<MerchantView> views = new ArrayList<>();
        merchants.forEach((id, row) -> views.add(new MerchantView(id, row.getString("owner_id"),
                row.getString("legal_name"), row.getString("display_name"), row.getString("city"),
                row.getString("category_code"), row.getString("status"), row.getString("rejection_reason"),
                row.getOffsetDateTime("reviewed_at"), row.getString("frozen_reason"),
                row.getOffsetDateTime("frozen_at"),
                row.getLong("version"), row.getOffsetDateTime("created_at"),
                byMerchant.getOrDefault(id, List.of()))));
        return views;
    }

    private static ProblemException notFound(UUID id) {
        return MerchantProblem.MERCHANT_NOT_FOUND.exception("No merchant " + id + ".");
    }
}
