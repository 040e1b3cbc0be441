package io.kessai.payment.cpm;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.cpm.CpmCodes;
import io.kessai.payment.risk.MoneyMovement;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Payment keys: issued to a customer's device that passed step-up (one live key per device; a new one replaces it),
 * listed and revoked by the customer, revoked by ops, and revoked when auth-service says the user or the device was
 * frozen or the device unbound ({@code risk/FrozenSubjects}); a key that escaped that (a code arriving before the call)
 * is revoked when one of its codes finds its user or device in {@code frozen_subject}. The secret is sealed at rest ({@link KeySeal}) and
 * returned once, in the issuance answer; it is never logged.
 */
@ApplicationScoped
public class PaymentKeys {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COLUMNS = "id, customer_id, device_id, device_bound_at, device_reference, status, "
            + "revoked_reason, created_at, revoked_at";
    /** Tries for a device reference nobody holds; with 10^8 of them a clash is rare and two in a row rarer still. */
    private static final int REFERENCE_TRIES = 5;

    private final Pool pool;
    private final KeySeal seal;
    private final CpmConfig config;

    PaymentKeys(Pool pool, KeySeal seal, CpmConfig config) {
        this.pool = pool;
        this.seal = seal;
        this.config = config;
    }

    /** A key as the server uses it to check a code: its secret opened, its device as the risk engine sees it. */
    public record Live(UUID id, String customerId, String deviceId, Instant deviceBoundAt, String status,
            String revokedReason, byte[] secret, boolean userFrozen, boolean deviceFrozen) {

        public MoneyMovement.Actor actor() {
            return new MoneyMovement.Actor(deviceId, deviceBoundAt, false, true, null);
        }
    }

    /** Issues a key to {@code deviceId} of {@code customerId}, replacing the device's live one. */
    public Uni<PaymentKeyIssued> issue(String customerId, String deviceId, Instant deviceBoundAt) {
        return issue(customerId, deviceId, deviceBoundAt, REFERENCE_TRIES);
    }

    private Uni<PaymentKeyIssued> issue(String customerId, String deviceId, Instant deviceBoundAt, int tries) {
        UUID id = TimeOrderedUuid.next();
        byte[] secret = new byte[CpmCodes.KEY_BYTES];
        RANDOM.nextBytes(secret);
        int reference = RANDOM.nextInt(CpmCodes.DEVICE_REFERENCE_MAX + 1);
        OffsetDateTime boundAt = deviceBoundAt == null ? null : deviceBoundAt.atOffset(ZoneOffset.UTC);
        return pool.withTransaction(tx -> refuseFrozen(tx, customerId, deviceId)
                .flatMap(notFrozen -> tx.preparedQuery("UPDATE payment_key SET status = 'revoked', "
                        + "revoked_reason = 'replaced', revoked_by = $1, revoked_at = now() WHERE customer_id = $1 "
                        + "AND device_id = $2 AND status = 'active'").execute(Tuple.of(customerId, deviceId)))
                .flatMap(replaced -> tx.preparedQuery("INSERT INTO payment_key (id, customer_id, device_id, "
                        + "device_bound_at, device_reference, sealed_secret, status) VALUES ($1, $2, $3, $4, $5, $6, "
                        + "'active') ON CONFLICT (device_reference) DO NOTHING RETURNING " + COLUMNS)
                        .execute(Tuple.of(id, customerId, deviceId, boundAt, reference,
                                Buffer.buffer(seal.seal(id, secret))))))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        if (tries <= 1) {
                            throw new IllegalStateException("no free device reference after " + REFERENCE_TRIES
                                    + " tries");
                        }
                        return issue(customerId, deviceId, deviceBoundAt, tries - 1);
                    }
                    PaymentKeyView view = view(rows.iterator().next());
                    return Uni.createFrom().item(new PaymentKeyIssued(view,
                            Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
                            String.format("%08d", reference), CpmCodes.SCHEME_PREFIX, config.step().toSeconds(),
                            config.window().toSeconds()));
                });
    }

    /**
     * A frozen user or device gets no key (403 {@code account-frozen}, {@code device-frozen}, as the risk engine
     * answers their payments). A freeze committed while a key is being issued may miss it; that key is revoked when its
     * first code arrives ({@link #byReference}).
     */
    private static Uni<Void> refuseFrozen(SqlClient tx, String customerId, String deviceId) {
        return tx.preparedQuery("SELECT kind FROM frozen_subject WHERE (kind = 'user' AND subject = $1) "
                + "OR (kind = 'device' AND subject = $1 || '/' || $2) ORDER BY kind DESC LIMIT 1")
                .execute(Tuple.of(customerId, deviceId)).map(rows -> {
                    if (rows.size() > 0) {
                        throw "user".equals(rows.iterator().next().getString("kind"))
                                ? CpmProblem.ACCOUNT_FROZEN.exception("This account is frozen; it gets no payment key.")
                                : CpmProblem.DEVICE_FROZEN.exception("This device is frozen; it gets no payment key.");
                    }
                    return null;
                });
    }

    /** The customer's keys, newest first, without secrets. */
    public Uni<List<PaymentKeyView>> of(String customerId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM payment_key WHERE customer_id = $1 "
                + "ORDER BY created_at DESC LIMIT 100").execute(Tuple.of(customerId)).map(rows -> {
                    List<PaymentKeyView> keys = new ArrayList<>();
                    rows.forEach(row -> keys.add(view(row)));
                    return keys;
                });
    }

    /** Revokes the customer's key (idempotent); another customer's answers 404. */
    public Uni<PaymentKeyView> revokeOwn(String customerId, UUID id) {
        return revoke(id, customerId, "user", customerId);
    }

    /** Revokes any key for ops (idempotent). */
    public Uni<PaymentKeyView> revokeByOps(UUID id, String operator) {
        return revoke(id, null, "ops", operator);
    }

    private Uni<PaymentKeyView> revoke(UUID id, String customerId, String reason, String by) {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE payment_key SET status = 'revoked', "
                + "revoked_reason = $3, revoked_by = $4, revoked_at = now() WHERE id = $1 AND status = 'active' "
                + "AND ($2::text IS NULL OR customer_id = $2)").execute(Tuple.of(id, customerId, reason, by))
                .flatMap(done -> tx.preparedQuery("SELECT " + COLUMNS + " FROM payment_key WHERE id = $1 "
                        + "AND ($2::text IS NULL OR customer_id = $2)").execute(Tuple.of(id, customerId))))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw CpmProblem.KEY_NOT_FOUND.exception("No payment key " + id + ".");
                    }
                    return view(rows.iterator().next());
                });
    }

    /** The key holding {@code deviceReference} (null: none), with whether its user or device is frozen. */
    public Uni<Live> byReference(int deviceReference) {
        return pool.preparedQuery("SELECT k.id, k.customer_id, k.device_id, k.device_bound_at, k.status, "
                + "k.revoked_reason, k.sealed_secret, EXISTS (SELECT 1 FROM frozen_subject f WHERE f.kind = 'user' "
                + "AND f.subject = k.customer_id) AS user_frozen, EXISTS (SELECT 1 FROM frozen_subject f WHERE "
                + "f.kind = 'device' AND f.subject = k.customer_id || '/' || k.device_id) AS device_frozen "
                + "FROM payment_key k WHERE k.device_reference = $1").execute(Tuple.of(deviceReference))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    UUID id = row.getUUID("id");
                    OffsetDateTime bound = row.getOffsetDateTime("device_bound_at");
                    return new Live(id, row.getString("customer_id"), row.getString("device_id"),
                            bound == null ? null : bound.toInstant(), row.getString("status"),
                            row.getString("revoked_reason"), seal.open(id, row.getBuffer("sealed_secret").getBytes()),
                            row.getBoolean("user_frozen"), row.getBoolean("device_frozen"));
                });
    }

    /**
     * Revokes, in {@code client}'s transaction, every live key of the customer ({@code deviceId} null) or of one of
     * its devices, as auth-service's freezes and unbindings ask; answers how many were live.
     */
    public Uni<Integer> revokeAll(SqlClient client, String customerId, String deviceId, String reason, String by) {
        return client.preparedQuery("UPDATE payment_key SET status = 'revoked', revoked_reason = $3, revoked_by = $4, "
                + "revoked_at = now() WHERE customer_id = $1 AND ($2::text IS NULL OR device_id = $2) "
                + "AND status = 'active'").execute(Tuple.of(customerId, deviceId, reason, by))
                .map(rows -> rows.rowCount());
    }

    /** Revokes a key whose user or device was frozen, found when one of its codes arrived. */
    public Uni<Void> revokeFrozen(SqlClient client, UUID id, String reason) {
        return client.preparedQuery("UPDATE payment_key SET status = 'revoked', revoked_reason = $2, "
                + "revoked_by = 'frozen_subject', revoked_at = now() WHERE id = $1 AND status = 'active'")
                .execute(Tuple.of(id, reason)).replaceWithVoid();
    }

    private static PaymentKeyView view(Row row) {
        OffsetDateTime bound = row.getOffsetDateTime("device_bound_at");
        return new PaymentKeyView(row.getUUID("id"), row.getString("device_id"),
                String.format("%08d", row.getInteger("device_reference")), row.getString("status").toUpperCase(),
                row.getString("revoked_reason"), bound, row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("revoked_at"));
    }
}
