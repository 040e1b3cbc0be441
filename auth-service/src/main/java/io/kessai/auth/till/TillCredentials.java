package io.kessai.auth.till;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.Ids;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.factor.StepUp;
import io.kessai.auth.merchant.MerchantHolding;
import io.kessai.auth.merchant.MerchantHoldings;
import io.kessai.auth.security.Caller;
import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * Till credentials: made, listed, given a new secret and revoked by the owner of a merchant as payment-service last
 * described it ({@link MerchantHoldings}), and looked up for the token endpoint. Making one or replacing its secret
 * locks the merchant's holding until the transaction ends, so that a freeze arriving at the same time is taken either
 * before (and refuses) or after (and the till's tokens are refused), and the per-merchant limit cannot be raced.
 */
@ApplicationScoped
public class TillCredentials {

    /** A till's client id is this followed by its id. */
    public static final String CLIENT_ID_PREFIX = "till-";

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    private static final String COLUMNS = "id, merchant_id, store_id, terminal_id, label, created_at, "
            + "secret_rotated_at";

    /**
     * A till credential as the token endpoint sees it: what its token says, the digest to check the secret against,
     * and why it gets no token even with the right secret ({@code null} when it does).
     */
    public record Credential(UUID tillId, UUID merchantId, UUID storeId, String terminalId, UUID ownerId,
            byte[] secretDigest, String refusal) {

        public String clientId() {
            return CLIENT_ID_PREFIX + tillId;
        }
    }

    private final Pool pool;
    private final MerchantHoldings holdings;
    private final StepUp stepUp;
    private final AuditLog audit;
    private final AuthConfig.Tills limits;

    TillCredentials(Pool pool, MerchantHoldings holdings, StepUp stepUp, AuditLog audit, AuthConfig config) {
        this.pool = pool;
        this.holdings = holdings;
        this.stepUp = stepUp;
        this.audit = audit;
        this.limits = config.tills();
    }

    /** Whether {@code clientId} is a till's (the prefix); whether such a till exists is another matter. */
    public static boolean isTillClientId(String clientId) {
        return clientId != null && clientId.startsWith(CLIENT_ID_PREFIX);
    }

    public Uni<TillRequest.Issued> create(Caller caller, UUID merchantId, TillRequest.Create request,
            String address) {
        UUID id = TimeOrderedUuid.next();
        String secret = TillSecrets.generate();
        return pool.withTransaction(tx -> activeHolding(tx, caller, merchantId).flatMap(held -> {
            if (held.stores().stream().noneMatch(store -> store.storeId().equals(request.storeId())
                    && store.active())) {
                throw TillProblems.storeNotFound();
            }
            return tx.preparedQuery("SELECT count(*) AS working, count(*) FILTER (WHERE store_id = $2 AND "
                    + "terminal_id = $3) AS same_terminal FROM till_credential WHERE merchant_id = $1 AND "
                    + "revoked_at IS NULL").execute(Tuple.of(merchantId, request.storeId(), request.terminalId()))
                    .flatMap(counts -> {
                        Row row = counts.iterator().next();
                        if (row.getLong("same_terminal") > 0) {
                            throw TillProblems.tillExists();
                        }
                        if (row.getLong("working") >= limits.maxPerMerchant()) {
                            throw TillProblems.limitReached(limits.maxPerMerchant());
                        }
                        return tx.preparedQuery("INSERT INTO till_credential (id, merchant_id, store_id, "
                                + "terminal_id, label, secret_sha256, created_by) VALUES ($1, $2, $3, $4, $5, $6, "
                                + "$7) RETURNING " + COLUMNS)
                                .execute(Tuple.from(new Object[]{id, merchantId, request.storeId(),
                                        request.terminalId(), request.keptLabel(),
                                        Buffer.buffer(TillSecrets.digest(secret)),
                                        caller.userId()}));
                    })
                    .map(rows -> issued(rows.iterator().next(), secret))
                    .call(till -> audit.record(tx, event(AuditLog.Type.TILL_CREATE, caller, address, till.id(),
                            merchantId).with("storeId", request.storeId().toString())
                            .with("terminalId", request.terminalId())));
        })).onFailure(TillCredentials::sameTerminalRaced).transform(raced -> TillProblems.tillExists());
    }

    public Uni<TillRequest.Page> list(Caller caller, UUID merchantId, String limitText, String cursor) {
        int limit = limit(limitText);
        UUID after = decode(cursor);
        return pool.withTransaction(tx -> heldBy(tx, caller, merchantId, false)
                .flatMap(held -> tx.preparedQuery("SELECT " + COLUMNS + " FROM till_credential WHERE merchant_id = "
                        + "$1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3")
                        .execute(Tuple.of(merchantId, after, limit + 1)))
                .map(rows -> {
                    List<TillRequest.Till> items = new ArrayList<>();
                    for (Row row : rows) {
                        if (items.size() == limit) {
                            return new TillRequest.Page(List.copyOf(items), encode(items.get(limit - 1).id()));
                        }
                        items.add(till(row));
                    }
                    return new TillRequest.Page(List.copyOf(items), null);
                }));
    }

    /** A new secret for a working till; the old one stops working when this commits. */
    public Uni<TillRequest.Issued> rotate(Caller caller, UUID merchantId, String tillId, String address) {
        UUID id = Ids.uuid(tillId).orElseThrow(TillProblems::tillNotFound);
        String secret = TillSecrets.generate();
        return pool.withTransaction(tx -> activeHolding(tx, caller, merchantId)
                .flatMap(held -> tx.preparedQuery("UPDATE till_credential SET secret_sha256 = $3, "
                        + "secret_rotated_at = now() WHERE id = $1 AND merchant_id = $2 AND revoked_at IS NULL "
                        + "RETURNING " + COLUMNS)
                        .execute(Tuple.of(id, merchantId, Buffer.buffer(TillSecrets.digest(secret)))))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw TillProblems.tillNotFound();
                    }
                    return issued(rows.iterator().next(), secret);
                })
                .call(till -> audit.record(tx, event(AuditLog.Type.TILL_SECRET_ROTATION, caller, address, id,
                        merchantId))));
    }

    /**
     * Revokes a till at once, whatever state the merchant is in: stopping a lost till must never wait for anything.
     * Revoking a revoked till again changes nothing and succeeds.
     */
    public Uni<Void> revoke(Caller caller, UUID merchantId, String tillId, String address) {
        UUID id = Ids.uuid(tillId).orElseThrow(TillProblems::tillNotFound);
        return pool.withTransaction(tx -> heldBy(tx, caller, merchantId, false)
                .flatMap(held -> tx.preparedQuery("UPDATE till_credential SET revoked_at = now() WHERE id = $1 AND "
                        + "merchant_id = $2 AND revoked_at IS NULL RETURNING id").execute(Tuple.of(id, merchantId)))
                .flatMap(revoked -> revoked.size() > 0
                        ? audit.record(tx, event(AuditLog.Type.TILL_REVOKE, caller, address, id, merchantId))
                        : tx.preparedQuery("SELECT 1 FROM till_credential WHERE id = $1 AND merchant_id = $2")
                                .execute(Tuple.of(id, merchantId)).invoke(before -> {
                                    if (before.size() == 0) {
                                        throw TillProblems.tillNotFound();
                                    }
                                }).replaceWithVoid()));
    }

    /**
     * The till of {@code clientId} with what its token would say, read for the token endpoint: empty when no till has
     * this client id.
     */
    public Uni<Optional<Credential>> lookUp(String clientId) {
        Optional<UUID> id = isTillClientId(clientId)
                ? Ids.uuid(clientId.substring(CLIENT_ID_PREFIX.length()))
                : Optional.empty();
        if (id.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return pool.preparedQuery("SELECT t.merchant_id, t.store_id, t.terminal_id, t.secret_sha256, "
                + "t.revoked_at IS NOT NULL AS revoked, h.owner_id, h.status AS merchant_status, "
                + "s.status AS store_status, u.status AS owner_status FROM till_credential t "
                + "JOIN merchant_holding h ON h.merchant_id = t.merchant_id "
                + "LEFT JOIN merchant_holding_store s ON s.merchant_id = t.merchant_id AND s.store_id = t.store_id "
                + "LEFT JOIN app_user u ON u.id = h.owner_id WHERE t.id = $1").execute(Tuple.of(id.get()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    return Optional.of(new Credential(id.get(), row.getUUID("merchant_id"), row.getUUID("store_id"),
                            row.getString("terminal_id"), row.getUUID("owner_id"),
                            row.getBuffer("secret_sha256").getBytes(), refusal(row)));
                });
    }

    /**
     * Why a till with the right secret gets no token, in the order an owner would fix them; {@code null} when it
     * gets one. The audit log records the reason; the till is told only {@code invalid_client}.
     */
    private static String refusal(Row row) {
        if (row.getBoolean("revoked")) {
            return "till-revoked";
        }
        if (!MerchantHolding.ACTIVE.equals(row.getString("merchant_status"))) {
            return "merchant-not-active";
        }
        if (!MerchantHolding.ACTIVE.equals(row.getString("store_status"))) {
            return "store-not-active";
        }
        if (!"active".equals(row.getString("owner_status"))) {
            return "owner-not-active";
        }
        return null;
    }

    /** Audits a till's token, or the refusal of one to a till whose secret was right. */
    public Uni<Void> recordToken(Credential till, String address) {
        AuditLog.Event event = AuditLog.Event.of(AuditLog.Type.TILL_TOKEN, till.refusal() == null
                ? AuditLog.Outcome.SUCCESS
                : AuditLog.Outcome.REFUSED).user(till.ownerId()).actor(till.clientId()).address(address)
                .with("tillId", till.tillId().toString()).with("merchantId", till.merchantId().toString())
                .with("storeId", till.storeId().toString());
        return audit.record(till.refusal() == null ? event : event.with("reason", till.refusal()));
    }

    /** Audits a wrong secret given for an existing till. */
    public Uni<Void> recordWrongSecret(Credential till, String address) {
        return audit.record(AuditLog.Event.of(AuditLog.Type.TILL_TOKEN, AuditLog.Outcome.FAILURE)
                .user(till.ownerId()).actor(till.clientId()).address(address)
                .with("tillId", till.tillId().toString()).with("merchantId", till.merchantId().toString())
                .with("reason", "wrong-secret"));
    }

    /** The caller's live session, and the merchant if they hold it and it is active. */
    private Uni<MerchantHolding.Held> activeHolding(SqlConnection tx, Caller caller, UUID merchantId) {
        return heldBy(tx, caller, merchantId, true).map(held -> {
            if (!held.active()) {
                throw TillProblems.merchantNotActive(held.status());
            }
            return held;
        });
    }

    /** The caller's live session, and the merchant if they hold it; 404 for another owner's, as for an unknown one. */
    private Uni<MerchantHolding.Held> heldBy(SqlConnection tx, Caller caller, UUID merchantId, boolean lock) {
        return stepUp.liveSession(tx, caller)
                .flatMap(user -> holdings.ofOwner(tx, merchantId, caller.userId(), lock))
                .map(held -> held.orElseThrow(TillProblems::merchantNotFound));
    }

    private static AuditLog.Event event(AuditLog.Type type, Caller caller, String address, UUID tillId,
            UUID merchantId) {
        return AuditLog.Event.of(type, AuditLog.Outcome.SUCCESS).user(caller.userId()).device(caller.deviceId())
                .address(address).with("tillId", tillId.toString()).with("merchantId", merchantId.toString());
    }

    private static TillRequest.Till till(Row row) {
        UUID id = row.getUUID("id");
        return new TillRequest.Till(id, CLIENT_ID_PREFIX + id, row.getUUID("merchant_id"), row.getUUID("store_id"),
                row.getString("terminal_id"), row.getString("label"), row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("secret_rotated_at"));
    }

    private static TillRequest.Issued issued(Row row, String secret) {
        TillRequest.Till till = till(row);
        return new TillRequest.Issued(till.id(), till.clientId(), secret, till.merchantId(), till.storeId(),
                till.terminalId(), till.label(), till.createdAt(), till.secretRotatedAt());
    }

    /** Two makes for one terminal that both passed the count: the unique index lets one through. */
    private static boolean sameTerminalRaced(Throwable failure) {
        return failure instanceof PgException pg && "23505".equals(pg.getSqlState());
    }

    private static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.invalidField("limit", "limit must be a whole number from 1 to " + MAX_LIMIT + ".");
    }

    static String encode(UUID id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("t" + id).getBytes(StandardCharsets.UTF_8));
    }

    private static UUID decode(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith("t")) {
                Optional<UUID> id = Ids.uuid(text.substring(1));
                if (id.isPresent()) {
                    return id.get();
                }
            }
        } catch (IllegalArgumentException notOurs) {
            // answered below
        }
        String detail = "The cursor is not one this API gave out; start from the first page.";
        throw new ProblemException(400, "invalid-cursor", "Invalid cursor", detail,
                List.of(new Problem.FieldError("cursor", detail)), Map.of());
    }
}
