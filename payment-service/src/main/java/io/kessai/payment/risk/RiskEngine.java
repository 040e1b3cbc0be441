package io.kessai.payment.risk;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.payment.PaymentConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The risk engine: every money movement's "may this happen?" ({@link MoneyMovementGate}). For a group of movements it
 * reads what the rules need in one statement ({@link Figures}: freezes, the customers' recent allowed movements, the
 * history of their cards and devices), applies the {@link Rules}, raises the running totals of what it allows with
 * conditional upserts (day and month of spending, top-ups per day, offline payments per day: concurrent movements
 * cannot pass a limit together), and stores every decision with its reasons and figures in one insert. No network
 * call: everything it reads is in this service's database or in the movement. Its time per group is
 * {@code kessai_risk_judge_seconds}.
 */
@ApplicationScoped
public class RiskEngine implements MoneyMovementGate {

    /** Business days and months are Japanese, whatever the servers' zone. */
    static final ZoneId ZONE = Limits.BUSINESS_ZONE;

    private final RiskConfig risk;
    private final PaymentConfig.Payments payments;
    private final Rules rules;
    private final Timer timer;
    private final Timer rulesTimer;

    RiskEngine(RiskConfig risk, PaymentConfig config, MeterRegistry metrics) {
        this.risk = risk;
        this.payments = config.payments();
        this.rules = new Rules(risk, payments);
        this.timer = Timer.builder("kessai.risk.judge").description("Time the risk engine takes per group of "
                + "movements, its statements included").register(metrics);
        this.rulesTimer = Timer.builder("kessai.risk.rules").description("Time the rules themselves take per group "
                + "of movements (pure code on the event loop, so CPU time): the engine's cost in this process, its "
                + "statements' cost being PostgreSQL's").register(metrics);
    }

    /** A running total the engine keeps, and what passing its limit means. */
    enum Counter {

        SPEND_DAY("spend-day"), SPEND_MONTH("spend-month"), TOPUP_DAY("topup-day"), OFFLINE_DAY("offline-day");

        final String wire;

        Counter(String wire) {
            this.wire = wire;
        }
    }

    /** One movement while it is judged. */
    private static final class Judged {

        final MoneyMovement movement;
        final List<Decision.Reason> reasons;
        final List<Counter> raised = new ArrayList<>();
        UUID openReview;

        Judged(MoneyMovement movement, List<Decision.Reason> reasons) {
            this.movement = movement;
            this.reasons = reasons;
        }

        Decision.Outcome outcome() {
            return Rules.outcome(reasons);
        }
    }

    @Override
    public Uni<List<Decision>> judgeAll(SqlConnection tx, List<MoneyMovement> movements) {
        if (movements.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Timer.Sample sample = Timer.start();
        Instant now = Instant.now();
        return figures(tx, movements).flatMap(read -> {
            List<Judged> judged = new ArrayList<>();
            long rulesStart = System.nanoTime();
            for (int i = 0; i < movements.size(); i++) {
                Judged one = new Judged(movements.get(i), rules.judge(movements.get(i), read.figures.get(i), now));
                one.openReview = read.openReviews.get(i);
                judged.add(one);
            }
            rulesTimer.record(System.nanoTime() - rulesStart, TimeUnit.NANOSECONDS);
            return count(tx, judged).flatMap(done -> store(tx, judged));
        }).invoke(decisions -> sample.stop(timer));
    }

    /** What was read for a group: each movement's figures and the open review of its movement, if any. */
    private record Read(List<Figures> figures, List<UUID> openReviews) {
    }

    private Uni<Read> figures(SqlConnection tx, List<MoneyMovement> movements) {
        int n = movements.size();
        Integer[] index = new Integer[n];
        String[] customers = new String[n];
        String[] devices = new String[n];
        UUID[] cards = new UUID[n];
        UUID[] ids = new UUID[n];
        for (int i = 0; i < n; i++) {
            MoneyMovement movement = movements.get(i);
            index[i] = i;
            customers[i] = movement.customerId();
            devices[i] = movement.actor().deviceId();
            cards[i] = movement.actor().fundingSourceId();
            ids[i] = movement.id();
        }
        String counted = "d.customer_id = v.customer_id AND d.outcome = 'allow' AND NOT d.released";
        return tx.preparedQuery("SELECT v.i, "
                + "EXISTS (SELECT 1 FROM frozen_subject f WHERE f.kind = 'user' AND f.subject = v.customer_id) AS uf, "
                + "(v.device_id IS NOT NULL AND EXISTS (SELECT 1 FROM frozen_subject f WHERE f.kind = 'device' "
                + "AND f.subject = v.customer_id || '/' || v.device_id)) AS df, "
                + "(v.card_id IS NOT NULL AND EXISTS (SELECT 1 FROM frozen_subject f WHERE f.kind = 'card' "
                + "AND f.subject = v.card_id::text)) AS cf, w.n AS wn, w.amount AS wa, t.amount AS ta, "
                + "t.first_card AS tf, coalesce(s.amount, 0) AS sa, "
                + "(v.card_id IS NOT NULL AND EXISTS (SELECT 1 FROM risk_decision d WHERE " + counted
                + " AND d.movement_kind = 'topup' AND d.funding_source_id = v.card_id)) AS cu, "
                + "(v.device_id IS NOT NULL AND EXISTS (SELECT 1 FROM risk_decision d WHERE " + counted
                + " AND d.movement_kind = 'topup' AND d.device_id = v.device_id)) AS du, "
                + "(SELECT o.id FROM risk_decision o WHERE o.movement_id = v.movement_id AND o.review = 'open' "
                + "LIMIT 1) AS open_review "
                + "FROM unnest($1::int[], $2::text[], $3::text[], $4::uuid[], $5::uuid[]) "
                + "AS v(i, customer_id, device_id, card_id, movement_id) "
                + "CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(d.amount), 0) AS amount FROM risk_decision d "
                + "WHERE " + counted + " AND d.movement_kind <> 'topup' "
                + "AND d.created_at > now() - make_interval(secs => $6)) w "
                + "CROSS JOIN LATERAL (SELECT coalesce(sum(d.amount), 0) AS amount, min(d.created_at) AS since, "
                + "coalesce(bool_or(NOT EXISTS (SELECT 1 FROM risk_decision e WHERE e.customer_id = d.customer_id "
                + "AND e.outcome = 'allow' AND NOT e.released AND e.movement_kind = 'topup' "
                + "AND e.funding_source_id = d.funding_source_id AND e.created_at < d.created_at)), false) AS first_card "
                + "FROM risk_decision d WHERE " + counted + " AND d.movement_kind = 'topup' "
                + "AND d.created_at > now() - make_interval(secs => $7)) t "
                + "LEFT JOIN LATERAL (SELECT sum(d.amount) AS amount FROM risk_decision d WHERE " + counted
                + " AND d.movement_kind <> 'topup' AND d.created_at >= t.since) s ON t.since IS NOT NULL")
                .execute(Tuple.from(List.of(index, customers, devices, cards, ids,
                        (double) risk.velocity().window().toSeconds(),
                        (double) risk.topupThenSpend().window().toSeconds())))
                .map(rows -> {
                    List<Figures> figures = new ArrayList<>(java.util.Collections.nCopies(n, Figures.NONE));
                    List<UUID> open = new ArrayList<>(java.util.Collections.nCopies(n, (UUID) null));
                    for (Row row : rows) {
                        int i = row.getInteger("i");
                        figures.set(i, new Figures(row.getBoolean("uf"), row.getBoolean("df"), row.getBoolean("cf"),
                                row.getLong("wn").intValue(), row.getLong("wa"), row.getLong("ta"),
                                row.getBoolean("tf"), row.getLong("sa"), row.getBoolean("cu"), row.getBoolean("du")));
                        open.set(i, row.getUUID("open_review"));
                    }
                    return new Read(figures, open);
                });
    }

    /**
     * Raises the running totals of the movements still allowed, one conditional upsert per total: a movement whose
     * total would pass its limit gets that refusal, and what it raised before is lowered again.
     */
    private Uni<Void> count(SqlConnection tx, List<Judged> judged) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Counter counter : Counter.values()) {
            chain = chain.flatMap(done -> raise(tx, counter, judged.stream()
                    .filter(one -> one.outcome() == Decision.Outcome.ALLOW && applies(counter, one.movement))
                    .toList()));
        }
        return chain.flatMap(done -> {
            List<Judged> refused = judged.stream().filter(one -> one.outcome() != Decision.Outcome.ALLOW
                    && !one.raised.isEmpty()).toList();
            Uni<Void> undo = Uni.createFrom().voidItem();
            for (Counter counter : Counter.values()) {
                List<Totals.Entry> entries = refused.stream().filter(one -> one.raised.contains(counter))
                        .map(one -> entry(counter, one.movement.customerId(), one.movement.at(),
                                one.movement.amount()))
                        .toList();
                undo = undo.flatMap(done2 -> Totals.lower(tx, counter, entries));
            }
            refused.forEach(one -> one.raised.clear());
            return undo;
        });
    }

    /** Whether a movement raises {@code counter}. */
    private static boolean applies(Counter counter, MoneyMovement movement) {
        return switch (counter) {
            case SPEND_DAY, SPEND_MONTH -> movement.kind().spends();
            case TOPUP_DAY -> !movement.kind().spends();
            case OFFLINE_DAY -> movement.actor().offline() && !movement.actor().steppedUp();
        };
    }

    private long limit(Counter counter) {
        return switch (counter) {
            case SPEND_DAY -> payments.dailyLimit();
            case SPEND_MONTH -> risk.monthlyLimit();
            case TOPUP_DAY -> risk.topups().dailyLimit();
            case OFFLINE_DAY -> risk.offline().dailyLimit();
        };
    }

    private Decision.Reason passed(Counter counter, MoneyMovement movement) {
        long limit = limit(counter);
        Map<String, Object> figures = Rules.figures("amount", movement.amount(), "limit", limit, "total",
                counter.wire);
        return switch (counter) {
            case SPEND_DAY -> new Decision.Reason("daily-limit", Decision.Outcome.DENY, 422, "daily-limit-exceeded",
                    "Payments may total at most " + limit + " JPY a day (JST); this one would go beyond it.", figures);
            case SPEND_MONTH -> new Decision.Reason("monthly-limit", Decision.Outcome.DENY, 422,
                    "monthly-limit-exceeded", "Payments may total at most " + limit + " JPY a month (JST); this one "
                            + "would go beyond it.",
                    figures);
            case TOPUP_DAY -> new Decision.Reason("topup-daily-limit", Decision.Outcome.DENY, 422,
                    "topup-daily-limit-exceeded", "Top-ups may total at most " + limit + " JPY a day (JST); this one "
                            + "would go beyond it.",
                    figures);
            case OFFLINE_DAY -> new Decision.Reason("offline", Decision.Outcome.STEP_UP, 403, Rules.CONFIRM_IN_APP,
                    "Offline codes may pay at most " + limit + " JPY a day (JST) without confirming; the customer "
                            + "must confirm this payment in the Kessai app.",
                    figures);
        };
    }

    private Uni<Void> raise(SqlConnection tx, Counter counter, List<Judged> candidates) {
        long limit = limit(counter);
        List<Judged> asked = new ArrayList<>();
        for (Judged one : candidates) {
            if (one.movement.amount() > limit) {
                one.reasons.add(passed(counter, one.movement));
            } else {
                asked.add(one);
            }
        }
        if (asked.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Totals.Entry> entries = asked.stream()
                .map(one -> entry(counter, one.movement.customerId(), one.movement.at(), one.movement.amount()))
                .toList();
        return Totals.raise(tx, counter, entries, limit).map(admitted -> {
            for (Judged one : asked) {
                if (admitted.contains(one.movement.customerId())) {
                    one.raised.add(counter);
                } else {
                    one.reasons.add(passed(counter, one.movement));
                }
            }
            return null;
        });
    }

    static Totals.Entry entry(Counter counter, String customerId, Instant at, long amount) {
        LocalDate day = at.atZone(ZONE).toLocalDate();
        return new Totals.Entry(customerId, counter == Counter.SPEND_MONTH ? day.withDayOfMonth(1) : day, amount);
    }

    /** Most serious first: refusals, then holds for review, then step-ups, then what a step-up cleared. */
    private static final Comparator<Decision.Reason> SERIOUS_FIRST = Comparator.comparingInt(reason -> switch (reason
            .outcome()) {
        case DENY -> 0;
        case STEP_UP -> Rules.HELD_FOR_REVIEW.equals(reason.code()) ? 1 : 2;
        case ALLOW -> 3;
    });

    /**
     * Stores the decisions in one insert. A movement re-judged while its earlier step-up is still open: if it is
     * still to be stepped up, the open decision stands (one review per movement); otherwise the open one is closed
     * ({@code stepped_up} when now allowed, {@code denied} when now refused).
     */
    private Uni<List<Decision>> store(SqlConnection tx, List<Judged> judged) {
        List<Decision> decisions = new ArrayList<>();
        List<Judged> stored = new ArrayList<>();
        List<Decision> storedDecisions = new ArrayList<>();
        List<UUID> closedReviews = new ArrayList<>();
        List<String> closedAs = new ArrayList<>();
        for (Judged one : judged) {
            List<Decision.Reason> reasons = new ArrayList<>(one.reasons);
            reasons.sort(SERIOUS_FIRST);
            Decision.Outcome outcome = Rules.outcome(reasons);
            if (one.openReview != null && outcome == Decision.Outcome.STEP_UP) {
                decisions.add(new Decision(one.openReview, outcome, List.copyOf(reasons)));
                continue;
            }
            if (one.openReview != null) {
                closedReviews.add(one.openReview);
                closedAs.add(outcome == Decision.Outcome.ALLOW ? "stepped_up" : "denied");
            }
            Decision decision = new Decision(TimeOrderedUuid.next(), outcome, List.copyOf(reasons));
            decisions.add(decision);
            stored.add(one);
            storedDecisions.add(decision);
        }
        Uni<Void> close = closedReviews.isEmpty()
                ? Uni.createFrom().voidItem()
                : tx.preparedQuery("UPDATE risk_decision r SET review = v.review, reviewed_at = now(), "
                        + "reviewed_by = r.customer_id FROM unnest($1::uuid[], $2::text[]) AS v(id, review) "
                        + "WHERE r.id = v.id AND r.review = 'open'")
                        .execute(Tuple.of(closedReviews.toArray(UUID[]::new), closedAs.toArray(String[]::new)))
                        .replaceWithVoid();
        return close.flatMap(done -> insert(tx, stored, storedDecisions)).map(done -> decisions);
    }

    private Uni<Void> insert(SqlConnection tx, List<Judged> judged, List<Decision> decisions) {
        if (judged.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = judged.size();
        UUID[] ids = new UUID[n];
        String[] kinds = new String[n];
        UUID[] movements = new UUID[n];
        String[] customers = new String[n];
        Long[] amounts = new Long[n];
        UUID[] merchants = new UUID[n];
        String[] recipients = new String[n];
        String[] devices = new String[n];
        UUID[] cards = new UUID[n];
        Boolean[] offline = new Boolean[n];
        String[] outcomes = new String[n];
        String[] reasons = new String[n];
        java.time.OffsetDateTime[] at = new java.time.OffsetDateTime[n];
        String[] counters = new String[n];
        for (int k = 0; k < n; k++) {
            MoneyMovement movement = judged.get(k).movement;
            Decision decision = decisions.get(k);
            ids[k] = decision.id();
            kinds[k] = movement.kind().wire();
            movements[k] = movement.id();
            customers[k] = movement.customerId();
            amounts[k] = movement.amount();
            merchants[k] = movement.merchantId();
            recipients[k] = movement.recipientId();
            devices[k] = movement.actor().deviceId();
            cards[k] = movement.actor().fundingSourceId();
            offline[k] = movement.actor().offline();
            outcomes[k] = decision.outcome().wire();
            reasons[k] = json(decision.reasons()).encode();
            at[k] = movement.at().atOffset(java.time.ZoneOffset.UTC);
            counters[k] = String.join(",", judged.get(k).raised.stream().map(counter -> counter.wire).toList());
        }
        return tx.preparedQuery("INSERT INTO risk_decision (id, movement_kind, movement_id, customer_id, amount, "
                + "merchant_id, recipient_id, device_id, funding_source_id, offline, outcome, reasons, review, "
                + "review_expires_at, movement_at, counters) SELECT v.id, v.kind, v.movement_id, v.customer_id, "
                + "v.amount, v.merchant_id, v.recipient_id, v.device_id, v.card_id, v.offline, v.outcome, "
                + "v.reasons::jsonb, CASE WHEN v.outcome = 'step_up' THEN 'open' END, "
                + "CASE WHEN v.outcome = 'step_up' THEN now() + make_interval(secs => $15) END, v.at, "
                + "coalesce(string_to_array(nullif(v.counters, ''), ','), '{}') FROM unnest($1::uuid[], $2::text[], $3::uuid[], "
                + "$4::text[], $5::bigint[], $6::uuid[], $7::text[], $8::text[], $9::uuid[], $10::bool[], "
                + "$11::text[], $12::text[], $13::timestamptz[], $14::text[]) AS v(id, kind, movement_id, "
                + "customer_id, amount, merchant_id, recipient_id, device_id, card_id, offline, outcome, reasons, at, "
                + "counters)")
                .execute(Tuple.from(List.of(ids, kinds, movements, customers, amounts, merchants, recipients, devices,
                        cards, offline, outcomes, reasons, at, counters, (double) risk.holdExpiry().toSeconds())))
                .replaceWithVoid();
    }

    static JsonArray json(List<Decision.Reason> reasons) {
        JsonArray array = new JsonArray();
        for (Decision.Reason reason : reasons) {
            array.add(new JsonObject().put("rule", reason.rule()).put("outcome", reason.outcome().wire())
                    .put("code", reason.code()).put("detail", reason.detail())
                    .put("figures", new JsonObject(new HashMap<>(reason.figures()))));
        }
        return array;
    }

    /**
     * Gives back what the allowed decisions of these movements raised, and marks them released so the velocity and
     * 7pay rules no longer count them. What was raised is read from the decisions, not from the movements given.
     */
    @Override
    public Uni<Void> releaseAll(SqlConnection tx, List<MoneyMovement> movements) {
        if (movements.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery("UPDATE risk_decision SET released = true WHERE movement_id = ANY($1::uuid[]) "
                + "AND outcome = 'allow' AND NOT released RETURNING customer_id, amount, movement_at, counters")
                .execute(Tuple.of(movements.stream().map(MoneyMovement::id).toArray(UUID[]::new)))
                .flatMap(rows -> {
                    Map<Counter, List<Totals.Entry>> lowered = new HashMap<>();
                    for (Row row : rows) {
                        String[] raised = row.getArrayOfStrings("counters");
                        for (String wire : raised == null ? new String[0] : raised) {
                            Counter counter = byWire(wire);
                            lowered.computeIfAbsent(counter, c -> new ArrayList<>()).add(entry(counter,
                                    row.getString("customer_id"), row.getOffsetDateTime("movement_at").toInstant(),
                                    row.getLong("amount")));
                        }
                    }
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (Map.Entry<Counter, List<Totals.Entry>> entry : lowered.entrySet()) {
                        chain = chain.flatMap(done -> Totals.lower(tx, entry.getKey(), entry.getValue()));
                    }
                    return chain;
                });
    }

    static Counter byWire(String wire) {
        for (Counter counter : Counter.values()) {
            if (counter.wire.equals(wire)) {
                return counter;
            }
        }
        throw new IllegalArgumentException("no counter " + wire);
    }

    /**
     * Counts a held movement that ops approved, as an ALLOW would have: its totals raised now (a limit it would pass
     * refuses the approval, and nothing is counted), and an allowed decision stored that names the review.
     */
    Uni<Decision> approve(SqlConnection tx, Row held, String operator, String note) {
        MoneyMovement movement = new MoneyMovement(MoneyMovement.Kind.valueOf(held.getString("movement_kind")
                .toUpperCase()), held.getUUID("movement_id"), held.getString("customer_id"),
                held.getUUID("merchant_id"), held.getString("recipient_id"), held.getLong("amount"), Instant.now(),
                new MoneyMovement.Actor(held.getString("device_id"), null, false, false,
                        held.getUUID("funding_source_id")));
        Map<String, Object> figures = Rules.figures("heldDecisionId", held.getUUID("id").toString(), "reviewedBy",
                operator);
        List<Decision.Reason> reasons = new ArrayList<>();
        reasons.add(new Decision.Reason("review", Decision.Outcome.ALLOW, 200, "approved", note == null
                ? "Approved by Kessai."
                : "Approved by Kessai: " + note, figures));
        Judged one = new Judged(movement, reasons);
        return count(tx, List.of(one)).flatMap(done -> {
            if (one.outcome() != Decision.Outcome.ALLOW) {
                Decision refused = new Decision(held.getUUID("id"), one.outcome(), List.copyOf(one.reasons));
                return Uni.createFrom().failure(refused.problem());
            }
            Decision decision = new Decision(TimeOrderedUuid.next(), Decision.Outcome.ALLOW, List.copyOf(reasons));
            return insert(tx, List.of(one), List.of(decision)).map(stored -> decision);
        });
    }
}
