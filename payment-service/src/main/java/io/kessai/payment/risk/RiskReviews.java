package io.kessai.payment.risk;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The ops side of the engine: the decisions (every one, with reasons and figures), the review list of held
 * movements, approving and denying them, and the sweep that fails what nobody resolved within
 * {@code kessai.payment.risk.hold-expiry} ({@code risk-hold-expired}), so a held movement never stays pending
 * forever. Each resolution and the flow's change of its movement ({@link HeldMovements}) are one transaction; the
 * sweep claims rows with {@code FOR UPDATE SKIP LOCKED}, so it is safe on every replica.
 */
@ApplicationScoped
public class RiskReviews {

    private static final Logger LOG = Logger.getLogger(RiskReviews.class);

    static final ProblemType DECISION_NOT_FOUND = new ProblemType(404, "decision-not-found", "Decision not found");
    static final ProblemType REVIEW_CLOSED = new ProblemType(409, "review-closed", "Review closed");
    private static final int MAX_PAGE = 100;
    private static final int SWEEP_BATCH = 100;

    private final Pool pool;
    private final RiskEngine engine;
    private final Map<MoneyMovement.Kind, HeldMovements> flows = new HashMap<>();
    private final Counter expired;

    RiskReviews(Pool pool, RiskEngine engine, Instance<HeldMovements> flows, MeterRegistry metrics) {
        this.pool = pool;
        this.engine = engine;
        for (HeldMovements flow : flows) {
            for (MoneyMovement.Kind kind : flow.kinds()) {
                if (this.flows.put(kind, flow) != null) {
                    throw new IllegalStateException("Two flows hold movements of kind " + kind);
                }
            }
        }
        this.expired = Counter.builder("kessai.risk.holds.expired").description("Held movements failed because "
                + "nobody resolved their review in time").register(metrics);
    }

    /** One decision. */
    public Uni<DecisionView> decision(UUID id) {
        return pool.preparedQuery("SELECT " + DecisionView.COLUMNS + " FROM risk_decision WHERE id = $1")
                .execute(Tuple.of(id)).map(rows -> {
                    if (rows.size() == 0) {
                        throw DECISION_NOT_FOUND.exception("No decision " + id + ".");
                    }
                    return DecisionView.of(rows.iterator().next());
                });
    }

    /**
     * Decisions, newest first: of one customer, of one movement, or all; a page of {@code limit} after
     * {@code cursor} (the position after the previous page's last decision).
     */
    public Uni<DecisionView.Page> decisions(String customerId, UUID movementId, String outcome, String cursor,
            Integer limit) {
        int size = size(limit);
        List<Object> values = new ArrayList<>();
        StringBuilder where = new StringBuilder("WHERE true");
        if (customerId != null) {
            values.add(customerId);
            where.append(" AND customer_id = $").append(values.size());
        }
        if (movementId != null) {
            values.add(movementId);
            where.append(" AND movement_id = $").append(values.size());
        }
        if (outcome != null) {
            if (!List.of("allow", "step_up", "deny").contains(outcome.toLowerCase())) {
                throw ProblemException.invalidField("outcome", "must be ALLOW, STEP_UP or DENY");
            }
            values.add(outcome.toLowerCase());
            where.append(" AND outcome = $").append(values.size());
        }
        if (cursor != null) {
            Position after = position(cursor);
            values.add(after.at());
            values.add(after.id());
            where.append(" AND (created_at, id) < ($").append(values.size() - 1).append(", $").append(values.size())
                    .append(")");
        }
        values.add(size + 1);
        return page(pool.preparedQuery("SELECT " + DecisionView.COLUMNS + " FROM risk_decision " + where
                + " ORDER BY created_at DESC, id DESC LIMIT $" + values.size()).execute(Tuple.from(values)), size);
    }

    /** The review list: held movements whose review is in {@code review} (default {@code open}), oldest first. */
    public Uni<DecisionView.Page> reviews(String review, String cursor, Integer limit) {
        String state = review == null ? "open" : review.toLowerCase();
        if (!List.of("open", "stepped_up", "approved", "denied", "expired", "canceled").contains(state)) {
            throw ProblemException.invalidField("status", "must be open, stepped_up, approved, denied, expired or "
                    + "canceled");
        }
        int size = size(limit);
        List<Object> values = new ArrayList<>(List.of(state));
        String after = "";
        if (cursor != null) {
            Position position = position(cursor);
            values.add(position.at());
            values.add(position.id());
            after = " AND (created_at, id) > ($2, $3)";
        }
        values.add(size + 1);
        return page(pool.preparedQuery("SELECT " + DecisionView.COLUMNS + " FROM risk_decision WHERE review = $1"
                + after + " ORDER BY created_at, id LIMIT $" + values.size()).execute(Tuple.from(values)), size);
    }

    /**
     * Ops approve a held movement: it is counted as an allowed one (a limit it would now pass refuses the approval,
     * and the review stays open), and its flow lets it go ahead.
     */
    public Uni<DecisionView> approve(UUID id, String operator, String note) {
        return pool.withTransaction(tx -> open(tx, id).flatMap(held -> engine.approve(tx, held, operator, note)
                .flatMap(allowed -> flow(held).proceed(tx, held.getUUID("movement_id")))
                .flatMap(done -> close(tx, id, "approved", operator, note))))
                .flatMap(done -> decision(id));
    }

    /** Ops deny a held movement: its flow fails it with {@code risk-denied}. */
    public Uni<DecisionView> deny(UUID id, String operator, String note) {
        return pool.withTransaction(tx -> open(tx, id).flatMap(held -> flow(held).refuse(tx,
                held.getUUID("movement_id"), "risk-denied", "Kessai reviewed this and refused it."))
                .flatMap(done -> close(tx, id, "denied", operator, note)))
                .flatMap(done -> decision(id));
    }

    /**
     * Closes the open review of a movement its flow ended otherwise (a till canceled the held payment), in the
     * flow's transaction.
     */
    public Uni<Void> cancel(SqlConnection tx, UUID movementId) {
        return tx.preparedQuery("UPDATE risk_decision SET review = 'canceled', reviewed_at = now() "
                + "WHERE movement_id = $1 AND review = 'open'").execute(Tuple.of(movementId)).replaceWithVoid();
    }

    /** Fails the held movements whose review expired (a batch per call); how many. */
    public Uni<Integer> expireDue() {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT " + DecisionView.COLUMNS + " FROM risk_decision "
                + "WHERE review = 'open' AND review_expires_at <= now() ORDER BY review_expires_at LIMIT $1 "
                + "FOR UPDATE SKIP LOCKED").execute(Tuple.of(SWEEP_BATCH)).flatMap(rows -> {
                    List<Row> due = new ArrayList<>();
                    rows.forEach(due::add);
                    return Multi.createFrom().iterable(due).onItem()
                            .transformToUniAndConcatenate(held -> flow(held).refuse(tx, held.getUUID("movement_id"),
                                    "risk-hold-expired", "Nobody confirmed or approved this in time; nothing was "
                                            + "charged.")
                                    .flatMap(done -> close(tx, held.getUUID("id"), "expired", "system", null)))
                            .collect().asList().map(List::size);
                })).invoke(count -> {
                    if (count > 0) {
                        expired.increment(count);
                        LOG.infof("%d held movements expired", count);
                    }
                });
    }

    private Uni<Row> open(SqlConnection tx, UUID id) {
        return tx.preparedQuery("SELECT " + DecisionView.COLUMNS + " FROM risk_decision WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(id)).map(rows -> {
                    if (rows.size() == 0) {
                        throw DECISION_NOT_FOUND.exception("No decision " + id + ".");
                    }
                    Row row = rows.iterator().next();
                    if (!"open".equals(row.getString("review"))) {
                        throw REVIEW_CLOSED.exception("This decision has no open review (it is "
                                + (row.getString("review") == null ? "not a hold" : row.getString("review")) + ").");
                    }
                    return row;
                });
    }

    private HeldMovements flow(Row held) {
        MoneyMovement.Kind kind = MoneyMovement.Kind.valueOf(held.getString("movement_kind").toUpperCase());
        HeldMovements flow = flows.get(kind);
        if (flow == null) {
            throw new IllegalStateException("No flow holds movements of kind " + kind);
        }
        return flow;
    }

    private static Uni<Void> close(SqlConnection tx, UUID id, String review, String by, String note) {
        return tx.preparedQuery("UPDATE risk_decision SET review = $2, reviewed_by = $3, review_note = $4, "
                + "reviewed_at = now() WHERE id = $1").execute(Tuple.of(id, review, by, note)).replaceWithVoid();
    }

    private static int size(Integer limit) {
        int size = limit == null ? 50 : limit;
        if (size < 1 || size > MAX_PAGE) {
            throw ProblemException.invalidField("limit", "must be between 1 and " + MAX_PAGE);
        }
        return size;
    }

    /** Where a page starts: after the decision made at {@code at} with {@code id}. */
    private record Position(java.time.OffsetDateTime at, UUID id) {
    }

    private static String cursorAfter(DecisionView last) {
        long micros = java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH,
                last.createdAt().toInstant());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString((micros + ":" + last.decisionId())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static Position position(String cursor) {
        try {
            String text = new String(java.util.Base64.getUrlDecoder().decode(cursor),
                    java.nio.charset.StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            java.time.Instant at = java.time.Instant.EPOCH.plus(Long.parseLong(text.substring(0, colon)),
                    java.time.temporal.ChronoUnit.MICROS);
            return new Position(at.atOffset(java.time.ZoneOffset.UTC), UUID.fromString(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new ProblemException(400, "invalid-cursor", "Invalid cursor",
                    "The cursor is not one this API gave out; start from the first page.");
        }
    }

    private static Uni<DecisionView.Page> page(Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> query, int size) {
        return query.map(rows -> {
            List<DecisionView> items = new ArrayList<>();
            rows.forEach(row -> items.add(DecisionView.of(row)));
            if (items.size() <= size) {
                return new DecisionView.Page(items, null);
            }
            List<DecisionView> page = List.copyOf(items.subList(0, size));
            return new DecisionView.Page(page, cursorAfter(page.getLast()));
        });
    }
}
