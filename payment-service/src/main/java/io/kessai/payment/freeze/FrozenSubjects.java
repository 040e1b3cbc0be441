package io.kessai.payment.freeze;

import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.payment.cpm.PaymentKeys;
import io.kessai.payment.funding.FundingProblem;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Who may not move money: the users and devices auth-service froze (it says so through its outbox, in the order of
 * the changes) and the cards ops froze here, kept in {@code frozen_subject}, which the risk engine reads for every
 * movement (DENY {@code account-frozen}, {@code device-frozen}, {@code card-frozen}). Freezing a user or a device
 * also revokes its payment keys in the same transaction, and so does unbinding a device: a stolen phone's offline
 * codes stop at once, not when one of them next reaches a till. Each change is idempotent: freezing what is frozen
 * keeps the first freeze (its reason and time), unfreezing what is not frozen changes nothing; revoked keys stay
 * revoked after an unfreeze (the customer issues a new one with a step-up, as ended sessions stay ended).
 */
@ApplicationScoped
public class FrozenSubjects {

    private static final Logger LOG = Logger.getLogger(FrozenSubjects.class);

    /** What {@code frozen_subject.kind} holds. */
    enum Kind {

        USER, DEVICE, CARD;

        String column() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Pool pool;
    private final PaymentKeys keys;

    FrozenSubjects(Pool pool, PaymentKeys keys) {
        this.pool = pool;
        this.keys = keys;
    }

    public Uni<FrozenSubjectView> freezeUser(UUID userId, String reason, String by) {
        return change(Kind.USER, userId.toString(), reason, by,
                tx -> keys.revokeAll(tx, userId.toString(), null, "user-frozen", by));
    }

    public Uni<FrozenSubjectView> unfreezeUser(UUID userId, String by) {
        return change(Kind.USER, userId.toString(), null, by, null);
    }

    public Uni<FrozenSubjectView> freezeDevice(UUID userId, String deviceId, String reason, String by) {
        return change(Kind.DEVICE, deviceSubject(userId, deviceId), reason, by,
                tx -> keys.revokeAll(tx, userId.toString(), deviceId, "device-frozen", by));
    }

    public Uni<FrozenSubjectView> unfreezeDevice(UUID userId, String deviceId, String by) {
        return change(Kind.DEVICE, deviceSubject(userId, deviceId), null, by, null);
    }

    /** A device the user unbound: its keys are revoked; it is not frozen (it may be bound again, with a new key). */
    public Uni<FrozenSubjectView> deviceUnbound(UUID userId, String deviceId, String by) {
        String subject = deviceSubject(userId, deviceId);
        return pool.withTransaction(tx -> keys.revokeAll(tx, userId.toString(), deviceId, "device-unbound", by)
                .flatMap(revoked -> state(tx, Kind.DEVICE, subject, revoked)))
                .invoke(view -> log(view, "unbound", by));
    }

    /** Freezes a card for every top-up (ops, a card reported stolen); 404 {@code card-not-found} for no such card. */
    public Uni<FrozenSubjectView> freezeCard(UUID cardId, String reason, String by) {
        return requireCard(cardId).flatMap(found -> change(Kind.CARD, cardId.toString(), reason, by, null));
    }

    public Uni<FrozenSubjectView> unfreezeCard(UUID cardId, String by) {
        return requireCard(cardId).flatMap(found -> change(Kind.CARD, cardId.toString(), null, by, null));
    }

    /** {@code reason} null unfreezes; {@code revoke} (may be null) runs in the same transaction after a freeze. */
    private Uni<FrozenSubjectView> change(Kind kind, String subject, String reason, String by,
            Function<SqlConnection, Uni<Integer>> revoke) {
        boolean freezing = reason != null;
        return pool.withTransaction(tx -> {
            Uni<RowSet<Row>> changed = freezing
                    ? tx.preparedQuery("INSERT INTO frozen_subject (kind, subject, reason, frozen_by) "
                            + "VALUES ($1, $2, $3, $4) ON CONFLICT (kind, subject) DO NOTHING")
                            .execute(Tuple.of(kind.column(), subject, reason, by))
                    : tx.preparedQuery("DELETE FROM frozen_subject WHERE kind = $1 AND subject = $2")
                            .execute(Tuple.of(kind.column(), subject));
            return changed.flatMap(done -> revoke == null ? Uni.createFrom().item((Integer) null) : revoke.apply(tx))
                    .flatMap(revoked -> state(tx, kind, subject, revoked));
        }).invoke(view -> log(view, freezing ? "frozen" : "unfrozen", by));
    }

    private static Uni<FrozenSubjectView> state(SqlConnection tx, Kind kind, String subject, Integer keysRevoked) {
        return tx.preparedQuery("SELECT reason, frozen_by, frozen_at FROM frozen_subject WHERE kind = $1 "
                + "AND subject = $2").execute(Tuple.of(kind.column(), subject)).map(rows -> {
                    if (rows.size() == 0) {
                        return new FrozenSubjectView(kind.column(), subject, false, null, null, null, keysRevoked);
                    }
                    Row row = rows.iterator().next();
                    OffsetDateTime at = row.getOffsetDateTime("frozen_at");
                    return new FrozenSubjectView(kind.column(), subject, true, row.getString("reason"),
                            row.getString("frozen_by"), at, keysRevoked);
                });
    }

    private Uni<Void> requireCard(UUID cardId) {
        return pool.preparedQuery("SELECT 1 FROM funding_card WHERE id = $1").execute(Tuple.of(cardId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw FundingProblem.CARD_NOT_FOUND.exception("No card " + cardId + ".");
                    }
                    return null;
                });
    }

    /** The subject of a device: the user id, '/', the device id (as the risk engine matches it). */
    static String deviceSubject(UUID userId, String deviceId) {
        return userId + "/" + deviceId;
    }

    private static void log(FrozenSubjectView view, String change, String by) {
        LOG.infof("%s %s %s by %s%s", view.kind(), view.subject(), change, by,
                view.keysRevoked() == null ? "" : "; payment keys revoked: " + view.keysRevoked());
    }
}
