package io.kessai.payment.payment;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.batch.Groups;
import io.kessai.common.problem.ProblemException;
import io.kessai.outbox.Outbox;
import io.kessai.payment.Money;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.cpm.CpmProblem;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletAnswer;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.merchant.Payee;
import io.kessai.payment.qr.MpmCode;
import io.kessai.payment.risk.Decision;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.payment.risk.MoneyMovementGate;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Group commit for payments, the ledger's lever used on this side too: concurrent payments that passed their checks
 * are recorded pending in one transaction, posted to wallet-service in one batch, and settled in one transaction, with
 * a handful of statements for the whole group (each set-based: {@code unnest} of the group's values). Each payment is
 * still judged alone: its order, the {@link MoneyMovementGate} and wallet-service answer it on its own, and a refusal
 * of one never touches the others. A group holds at most one payment per customer, so the gate's day totals and the
 * idempotency keys of one group never collide. Under light load a payment goes alone, at once; under heavy load
 * payments share commits and calls instead of queueing for connections ({@link Groups}; settings
 * {@code kessai.payment.groups.*}).
 */
@ApplicationScoped
class PaymentGroups {

    private static final Logger LOG = Logger.getLogger(PaymentGroups.class);

    /** A payment that passed the checks needing no lock: what recording it needs. */
    record Draft(UUID id, String customerId, String key, String sha256, MpmCode code, Payee payee, long amount,
            UUID customerAccount, UUID merchantAccount, Instant at, MoneyMovement.Actor actor, Cpm cpm) {

        /** A payment of a scanned merchant-presented code. */
        Draft(UUID id, String customerId, String key, String sha256, MpmCode code, Payee payee, long amount,
                UUID customerAccount, UUID merchantAccount, Instant at, MoneyMovement.Actor actor) {
            this(id, customerId, key, sha256, code, payee, amount, customerAccount, merchantAccount, at, actor, null);
        }

        boolean dynamic() {
            return code != null && code.kind() == MpmCode.Kind.DYNAMIC;
        }

        String kind() {
            return cpm != null ? "cpm" : dynamic() ? "mpm_dynamic" : "mpm_static";
        }

        String terminal() {
            return cpm != null ? cpm.terminalId() : code.terminalLabel();
        }

        MoneyMovement movement() {
            return new MoneyMovement(cpm != null ? MoneyMovement.Kind.CPM_PAYMENT : MoneyMovement.Kind.MPM_PAYMENT, id,
                    customerId, payee.merchantId(), null, amount, at, actor);
        }
    }

    /**
     * What a till's customer-presented code adds: the code (its key, time step and counter), claimed in the
     * recording transaction under the key's row lock, and the till's own ids.
     */
    record Cpm(UUID keyId, long timeStep, int counter, String merchantPaymentId, String terminalId) {
    }

    /** The payment's key was taken by a concurrent request meanwhile: that request's payment is the answer. */
    static final class LostRace extends RuntimeException {

        LostRace() {
            super("idempotency key taken by a concurrent request", null, false, false);
        }
    }

    private final Pool pool;
    private final Ledger ledger;
    private final MoneyMovementGate gate;
    private final Outbox outbox;
    private final double graceSeconds;
    private final Groups<Draft, PaymentView> groups;
    private final DistributionSummary sizes;

    PaymentGroups(Pool pool, Ledger ledger, MoneyMovementGate gate, Outbox outbox, PaymentConfig config,
            Vertx vertx, MeterRegistry metrics) {
        this.pool = pool;
        this.ledger = ledger;
        this.gate = gate;
        this.outbox = outbox;
        this.graceSeconds = config.reconcile().grace().toMillis() / 1000.0;
        PaymentConfig.Groups settings = config.groups();
        this.sizes = DistributionSummary.builder("kessai.payment.groups.payments")
                .description("Payments per group (recorded, posted and settled together)").register(metrics);
        this.groups = new Groups<>(this::post, Draft::customerId, vertx,
                new Groups.Settings(settings.maxPayments(), settings.inFlight(), settings.window()));
    }

    /**
     * Records, posts and settles one payment with whatever others are waiting: the payment as it then is, or its own
     * refusal, a 503 when wallet-service cannot have received it (nothing was kept), or {@link LostRace}.
     */
    Uni<PaymentView> pay(Draft draft) {
        return groups.submit(draft);
    }

    /**
     * One group, from recording to settling; each payment's answer in the group's order (tests post their own). A
     * recording transaction that fails as a whole committed nothing: each of its payments is then recorded alone, so
     * that whatever one payment's data did to the statement (a bug, a constraint) fails that payment only.
     */
    Uni<List<Groups.Answer<PaymentView>>> post(List<Draft> drafts) {
        sizes.record(drafts.size());
        return attempt(drafts).onFailure(failure -> drafts.size() > 1).recoverWithUni(failure -> {
            LOG.warnf("A group of %d payments could not be recorded (%s); recording each alone", drafts.size(),
                    failure.toString());
            return Multi.createFrom().iterable(drafts)
                    .onItem().transformToUniAndConcatenate(draft -> attempt(List.of(draft)).map(List::getFirst)
                            .onFailure().recoverWithItem(Groups.Answer::failed))
                    .collect().asList();
        });
    }

    private Uni<List<Groups.Answer<PaymentView>>> attempt(List<Draft> drafts) {
        List<Groups.Answer<PaymentView>> answers = new ArrayList<>(Collections.nCopies(drafts.size(), null));
        return record(drafts, answers)
                .flatMap(recorded -> send(recorded, answers))
                .map(done -> answers);
    }

    /** A payment recorded pending, and where its answer goes. */
    private record Recorded(int index, Payments.Stored payment) {
    }

    /**
     * One transaction: the dynamic codes' orders locked and checked, the gate asked, the admitted payments inserted
     * pending, their orders reserved. Refusals and lost races are answered; the rest is returned.
     */
    private Uni<List<Recorded>> record(List<Draft> drafts, List<Groups.Answer<PaymentView>> answers) {
        return pool.withTransaction(tx -> orders(tx, drafts, answers).call(orders -> claims(tx, drafts, answers))
                .flatMap(orders -> {
                    List<Integer> open = new ArrayList<>();
                    for (int i = 0; i < drafts.size(); i++) {
                        if (answers.get(i) == null) {
                            open.add(i);
                        }
                    }
                    if (open.isEmpty()) {
                        return Uni.createFrom().item(List.<Recorded>of());
                    }
                    return gate.judgeAll(tx, open.stream().map(i -> drafts.get(i).movement()).toList())
                            .flatMap(decisions -> {
                                // Allowed payments are recorded pending and posted; those to be stepped up are recorded held.
                                List<Integer> admitted = new ArrayList<>();
                                Map<Integer, Decision> held = new HashMap<>();
                                for (int k = 0; k < open.size(); k++) {
                                    Decision decision = decisions.get(k);
                                    if (decision.outcome() == Decision.Outcome.STEP_UP) {
                                        held.put(open.get(k), decision);
                                        admitted.add(open.get(k));
                                    } else if (!decision.allowed()) {
                                        answers.set(open.get(k), Groups.Answer.failed(decision.problem()));
                                    } else {
                                        admitted.add(open.get(k));
                                    }
                                }
                                return admitted.isEmpty()
                                        ? Uni.createFrom().item(List.<Recorded>of())
                                        : insert(tx, drafts, admitted, held, orders, answers);
                            });
                }));
    }

    /**
     * The codes of the group's CPM payments, each claimed under its key's row lock: a revoked key, a code already
     * used, or one ordered at or before a newer code of its key that paid or is being paid is answered here; the same
     * request's own code, taken by a concurrent copy of it, is a lost race.
     */
    private static Uni<Void> claims(SqlConnection tx, List<Draft> drafts, List<Groups.Answer<PaymentView>> answers) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (int i = 0; i < drafts.size(); i++) {
            Draft draft = drafts.get(i);
            if (draft.cpm() == null || answers.get(i) != null) {
                continue;
            }
            int index = i;
            Cpm cpm = draft.cpm();
            // The lock first, then the read in a statement of its own: in READ COMMITTED a statement that waited for a
            // row lock still reads the rest from its own, older snapshot, and would miss the use just committed.
            all = all.flatMap(done -> tx.preparedQuery("SELECT id FROM payment_key WHERE id = $1 FOR UPDATE")
                    .execute(Tuple.of(cpm.keyId())))
                    .flatMap(locked -> tx
                            .preparedQuery("SELECT k.status, (SELECT p.idempotency_key FROM cpm_code_use u "
                                    + "JOIN payment p ON p.id = u.payment_id WHERE u.key_id = k.id "
                                    + "AND u.time_step = $2 AND u.counter = $3) AS used_under, EXISTS (SELECT 1 "
                                    + "FROM cpm_code_use u JOIN payment p ON p.id = u.payment_id WHERE u.key_id = k.id "
                                    + "AND (u.time_step, u.counter) > ($2, $3) AND p.status <> 'failed') "
                                    + "AS superseded FROM payment_key k WHERE k.id = $1")
                            .execute(Tuple.of(cpm.keyId(), cpm.timeStep(), cpm.counter())).map(rows -> {
                                Row row = rows.iterator().next();
                                String usedUnder = row.getString("used_under");
                                if (!"active".equals(row.getString("status"))) {
                                    answers.set(index,
                                            Groups.Answer.failed(CpmProblem.KEY_REVOKED.exception("This code's "
                                                    + "payment key was revoked; the customer pays in the app.")));
                                } else if (draft.key().equals(usedUnder)) {
                                    answers.set(index, Groups.Answer.failed(new LostRace()));
                                } else if (usedUnder != null) {
                                    answers.set(index,
                                            Groups.Answer.failed(CpmProblem.CODE_USED.exception("This code was "
                                                    + "used already; the customer shows a new one.")));
                                } else if (row.getBoolean("superseded")) {
                                    answers.set(index,
                                            Groups.Answer.failed(CpmProblem.CODE_SUPERSEDED.exception("A newer "
                                                    + "code of this customer's device has paid; the customer "
                                                    + "shows a new one.")));
                                }
                                return null;
                            }))
                    .replaceWithVoid();
        }
        return all;
    }

    /** Records the codes of the CPM payments just inserted as used (their keys are locked by {@link #claims}). */
    private static Uni<Void> used(SqlConnection tx, List<Draft> inserted) {
        List<Draft> cpm = inserted.stream().filter(draft -> draft.cpm() != null).toList();
        if (cpm.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery("INSERT INTO cpm_code_use (key_id, time_step, counter, payment_id) "
                + "SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::smallint[], $4::uuid[])")
                .execute(Tuple.of(cpm.stream().map(d -> d.cpm().keyId()).toArray(UUID[]::new),
                        cpm.stream().map(d -> d.cpm().timeStep()).toArray(Long[]::new),
                        cpm.stream().map(d -> (short) d.cpm().counter()).toArray(Short[]::new),
                        cpm.stream().map(Draft::id).toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    /** The orders the group's dynamic codes name, locked in id order, each checked for its payment. */
    private static Uni<Map<Integer, Row>> orders(SqlConnection tx, List<Draft> drafts,
            List<Groups.Answer<PaymentView>> answers) {
        List<Integer> dynamic = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            if (drafts.get(i).dynamic()) {
                dynamic.add(i);
            }
        }
        if (dynamic.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        UUID[] stores = dynamic.stream().map(i -> drafts.get(i).payee().storeId()).toArray(UUID[]::new);
        String[] references = dynamic.stream().map(i -> drafts.get(i).code().referenceLabel()).toArray(String[]::new);
        return tx.preparedQuery("SELECT o.id, o.store_id, o.reference, o.merchant_payment_id, o.amount, o.status, "
                + "o.payment_id, o.expires_at <= now() AS expired FROM order_code o "
                + "JOIN unnest($1::uuid[], $2::text[]) AS v(store_id, reference) "
                + "ON o.store_id = v.store_id AND o.reference = v.reference ORDER BY o.id FOR UPDATE OF o")
                .execute(Tuple.of(stores, references))
                .map(rows -> {
                    Map<String, Row> byReference = new HashMap<>();
                    rows.forEach(row -> byReference.put(orderKey(row.getUUID("store_id"), row.getString("reference")),
                            row));
                    Map<Integer, Row> orders = new HashMap<>();
                    Set<String> reserved = new HashSet<>();
                    for (int i : dynamic) {
                        Draft draft = drafts.get(i);
                        String reference = orderKey(draft.payee().storeId(), draft.code().referenceLabel());
                        try {
                            if (reserved.contains(reference)) {
                                // One payment per order: another payment of this group has just taken it.
                                throw PaymentProblem.ORDER_ALREADY_PAID.exception("This order is paid or being paid.");
                            }
                            Payments.checkOrder(byReference.get(reference), draft.code());
                            orders.put(i, byReference.get(reference));
                            reserved.add(reference);
                        } catch (ProblemException refused) {
                            answers.set(i, Groups.Answer.failed(refused));
                        }
                    }
                    return orders;
                });
    }

    /** An order as a group knows it: its store and its reference label, unique together. */
    private static String orderKey(UUID storeId, String reference) {
        return storeId + "\n" + reference;
    }

    /** The admitted payments inserted pending in one statement; a key already taken is a lost race. */
    private Uni<List<Recorded>> insert(SqlConnection tx, List<Draft> drafts, List<Integer> admitted,
            Map<Integer, Decision> held, Map<Integer, Row> orders, List<Groups.Answer<PaymentView>> answers) {
        int n = admitted.size();
        UUID[] ids = new UUID[n];
        String[] customers = new String[n];
        String[] keys = new String[n];
        String[] digests = new String[n];
        UUID[] merchants = new UUID[n];
        UUID[] stores = new UUID[n];
        UUID[] orderIds = new UUID[n];
        String[] merchantPaymentIds = new String[n];
        String[] terminals = new String[n];
        String[] kinds = new String[n];
        Long[] amounts = new Long[n];
        UUID[] customerAccounts = new UUID[n];
        UUID[] merchantAccounts = new UUID[n];
        OffsetDateTime[] created = new OffsetDateTime[n];
        String[] statuses = new String[n];
        UUID[] decisionIds = new UUID[n];
        String[] failureCodes = new String[n];
        String[] failureDetails = new String[n];
        for (int k = 0; k < n; k++) {
            Draft draft = drafts.get(admitted.get(k));
            Row order = orders.get(admitted.get(k));
            ids[k] = draft.id();
            customers[k] = draft.customerId();
            keys[k] = draft.key();
            digests[k] = draft.sha256();
            merchants[k] = draft.payee().merchantId();
            stores[k] = draft.payee().storeId();
            orderIds[k] = order == null ? null : order.getUUID("id");
            merchantPaymentIds[k] = draft.cpm() != null
                    ? draft.cpm().merchantPaymentId()
                    : order == null ? null : order.getString("merchant_payment_id");
            terminals[k] = draft.terminal();
            kinds[k] = draft.kind();
            amounts[k] = draft.amount();
            customerAccounts[k] = draft.customerAccount();
            merchantAccounts[k] = draft.merchantAccount();
            created[k] = draft.at().atOffset(ZoneOffset.UTC);
            Decision hold = held.get(admitted.get(k));
            statuses[k] = hold == null ? "pending" : "held";
            decisionIds[k] = hold == null ? null : hold.id();
            // A held payment keeps what the customer must do as its failure until it goes on or fails.
            failureCodes[k] = hold == null ? null : hold.problem().code();
            failureDetails[k] = hold == null ? null : hold.problem().getMessage();
        }
        return tx.preparedQuery("INSERT INTO payment (id, customer_id, idempotency_key, request_sha256, merchant_id, "
                + "store_id, order_code_id, merchant_payment_id, terminal_id, kind, amount, currency, status, "
                + "customer_account_id, merchant_account_id, created_at, next_attempt_at, risk_decision_id, "
                + "failure_code, failure_detail) "
                + "SELECT v.id, v.customer_id, v.key, v.sha256, v.merchant_id, v.store_id, v.order_id, v.mpid, "
                + "v.terminal, v.kind, v.amount, 'JPY', v.status, v.customer_account, v.merchant_account, v.at, "
                + "v.at + make_interval(secs => $15), v.decision, v.failure_code, v.failure_detail "
                + "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], "
                + "$5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::bigint[], "
                + "$12::uuid[], $13::uuid[], $14::timestamptz[], $16::text[], $17::uuid[], $18::text[], $19::text[]) "
                + "AS v(id, customer_id, key, sha256, merchant_id, store_id, order_id, mpid, terminal, kind, amount, "
                + "customer_account, merchant_account, at, status, decision, failure_code, failure_detail) "
                + "ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING id")
                .execute(Tuple.from(List.of(ids, customers, keys, digests, merchants, stores, orderIds,
                        merchantPaymentIds, terminals, kinds, amounts, customerAccounts, merchantAccounts, created,
                        graceSeconds, statuses, decisionIds, failureCodes, failureDetails)))
                .flatMap(rows -> {
                    Set<UUID> inserted = new HashSet<>();
                    rows.forEach(row -> inserted.add(row.getUUID("id")));
                    List<Recorded> recorded = new ArrayList<>();
                    List<MoneyMovement> lost = new ArrayList<>();
                    List<UUID> reservedOrders = new ArrayList<>();
                    List<UUID> reservedFor = new ArrayList<>();
                    List<Draft> claimed = new ArrayList<>();
                    for (int i : admitted) {
                        Draft draft = drafts.get(i);
                        Row order = orders.get(i);
                        if (!inserted.contains(draft.id())) {
                            answers.set(i, Groups.Answer.failed(new LostRace()));
                            lost.add(draft.movement());
                            continue;
                        }
                        claimed.add(draft);
                        if (order != null) {
                            reservedOrders.add(order.getUUID("id"));
                            reservedFor.add(draft.id());
                        }
                        Decision hold = held.get(i);
                        if (hold != null) {
                            // Recorded, not posted: the customer steps up (or ops review it) before it goes on.
                            answers.set(i, Groups.Answer.failed(PaymentHolds.problem(draft.id(), hold.problem())));
                            continue;
                        }
                        recorded.add(new Recorded(i, pending(draft, order)));
                    }
                    Uni<Void> release = lost.isEmpty() ? Uni.createFrom().voidItem() : gate.releaseAll(tx, lost);
                    Uni<Void> reserve = reservedOrders.isEmpty()
                            ? Uni.createFrom().voidItem()
                            : tx.preparedQuery("UPDATE order_code o SET payment_id = v.payment_id "
                                    + "FROM unnest($1::uuid[], $2::uuid[]) AS v(id, payment_id) WHERE o.id = v.id")
                                    .execute(Tuple.of(reservedOrders.toArray(UUID[]::new),
                                            reservedFor.toArray(UUID[]::new)))
                                    .replaceWithVoid();
                    return release.flatMap(done -> reserve).flatMap(done -> used(tx, claimed)).map(done -> recorded);
                });
    }

    /** The payment just recorded, as a read of its row would give it, without the read. */
    private static Payments.Stored pending(Draft draft, Row order) {
        boolean dynamic = order != null;
        Payee payee = draft.payee();
        String merchantPaymentId = draft.cpm() != null
                ? draft.cpm().merchantPaymentId()
                : dynamic ? order.getString("merchant_payment_id") : null;
        PaymentView view = new PaymentView(draft.id(), "PENDING", draft.kind().toUpperCase(),
                Money.yen(draft.amount()), Money.yen(0), "NONE", payee.merchantId(), payee.storeId(),
                payee.displayName(), merchantPaymentId, draft.terminal(), null, draft.at().atOffset(ZoneOffset.UTC),
                null, null, null);
        return new Payments.Stored(view, draft.customerId(), draft.sha256(), draft.customerAccount(),
                draft.merchantAccount(), dynamic ? order.getUUID("id") : null, null, null);
    }

    /**
     * Posts the recorded payments' transfers (one batch) and settles them with what wallet-service answered. When
     * the batch cannot have left, the payments are taken back and each is answered 503; when its outcome is unknown,
     * each is answered as it stands (pending, for the reconciler).
     */
    private Uni<Void> send(List<Recorded> recorded, List<Groups.Answer<PaymentView>> answers) {
        if (recorded.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Payments.Stored> payments = recorded.stream().map(Recorded::payment).toList();
        List<UUID> ids = payments.stream().map(Payments.Stored::id).toList();
        return ledger.transfers(payments.stream()
                .map(payment -> new Ledger.Posting(payment.id().toString(), Payments.transferOf(payment))).toList())
                .flatMap(walletAnswers -> settle(ids, walletAnswers, true))
                .onFailure(WalletUnavailable.class).recoverWithUni(e -> ((WalletUnavailable) e).maybeSent()
                        ? read(ids)
                        : undo(payments).map(undone -> {
                            LOG.debugf("A group of %d payments was not sent: %s", ids.size(), e.getMessage());
                            throw ProblemException.unavailable("Payments cannot reach the ledger right now ("
                                    + e.getMessage() + "); nothing was charged. Try again with the same "
                                    + "Idempotency-Key.");
                        }))
                .invoke(views -> {
                    for (int k = 0; k < recorded.size(); k++) {
                        answers.set(recorded.get(k).index(), Groups.Answer.of(views.get(k)));
                    }
                })
                .onFailure().invoke(failure -> {
                    for (Recorded payment : recorded) {
                        answers.set(payment.index(), Groups.Answer.failed(failure));
                    }
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** The payments as they are now, in the order of {@code ids}. */
    private Uni<List<PaymentView>> read(List<UUID> ids) {
        return Payments.storedAll(pool, ids).map(stored -> stored.stream().map(Payments.Stored::view).toList());
    }

    /**
     * Records wallet-service's answers for pending payments in one transaction: completed with their receipts, or
     * failed with their reasons (a refusal only when {@code refusalFinal}: no earlier copy of a transfer can still be on
     * its way; and never for an answer that is not definitive). A payment no longer pending (settled by another
     * replica, canceled) is answered as it is. The views are in the order of {@code ids}.
     */
    Uni<List<PaymentView>> settle(List<UUID> ids, List<WalletAnswer> walletAnswers, boolean refusalFinal) {
        return pool.withTransaction(tx -> {
            List<UUID> posted = new ArrayList<>();
            List<UUID> transfers = new ArrayList<>();
            for (int k = 0; k < ids.size(); k++) {
                WalletAnswer answer = walletAnswers.get(k);
                if (answer.posted()) {
                    posted.add(ids.get(k));
                    transfers.add(UUID.fromString(answer.body().getString("id")));
                }
            }
            return complete(tx, posted, transfers).flatMap(completed -> {
                Map<UUID, PaymentView> views = new HashMap<>(completed);
                Uni<Void> rest = Uni.createFrom().voidItem();
                for (int k = 0; k < ids.size(); k++) {
                    UUID id = ids.get(k);
                    WalletAnswer answer = walletAnswers.get(k);
                    if (views.containsKey(id)) {
                        continue;
                    }
                    Uni<Payments.Stored> settled;
                    if (answer.posted()) {
                        // Canceled meanwhile: the cancel's settlement finds this transfer and reverses it.
                        settled = tx.preparedQuery("UPDATE payment SET transfer_id = $2 WHERE id = $1 "
                                + "AND transfer_id IS NULL").execute(Tuple.of(id, transfers.get(posted.indexOf(id))))
                                .flatMap(done -> Payments.stored(tx, id));
                    } else if (refusalFinal && answer.definitive()) {
                        settled = fail(tx, id, Payments.failureCode(answer), answer.detail());
                    } else {
                        settled = Payments.stored(tx, id);
                    }
                    rest = rest.flatMap(done -> settled.invoke(payment -> views.put(id, payment.view())))
                            .replaceWithVoid();
                }
                return rest.map(done -> ids.stream().map(views::get).toList());
            });
        })
                // Committed: the receipts go out now, not at the relay's next poll.
                .invoke(outbox::wakeRelay);
    }

    /** The pending ones of {@code ids} completed with their transfers, their orders paid, their receipts queued. */
    private Uni<Map<UUID, PaymentView>> complete(SqlConnection tx, List<UUID> ids, List<UUID> transfers) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return tx.preparedQuery("UPDATE payment p SET status = 'completed', transfer_id = v.transfer_id, "
                + "completed_at = now(), updated_at = now() FROM unnest($1::uuid[], $2::uuid[]) AS v(id, transfer_id), "
                + "merchant m WHERE p.id = v.id AND p.status = 'pending' AND m.id = p.merchant_id RETURNING "
                + Payments.COLUMNS)
                .execute(Tuple.of(ids.toArray(UUID[]::new), transfers.toArray(UUID[]::new)))
                .flatMap(rows -> {
                    Map<UUID, PaymentView> completed = new HashMap<>();
                    List<UUID> paidOrders = new ArrayList<>();
                    List<JsonObject> receipts = new ArrayList<>();
                    for (Row row : rows) {
                        Payments.Stored payment = Payments.stored(row);
                        completed.put(payment.id(), payment.view());
                        if (payment.orderCodeId() != null) {
                            paidOrders.add(payment.orderCodeId());
                        }
                        receipts.add(Payments.receipt(payment.view(), payment.customerId()));
                    }
                    Uni<Void> paid = paidOrders.isEmpty()
                            ? Uni.createFrom().voidItem()
                            : tx.preparedQuery("UPDATE order_code SET status = 'paid', paid_at = now() "
                                    + "WHERE id = ANY($1::uuid[])").execute(Tuple.of(paidOrders.toArray(UUID[]::new)))
                                    .replaceWithVoid();
                    return paid.flatMap(done -> outbox.enqueueAll(tx, receipts)).map(done -> completed);
                });
    }

    private Uni<Payments.Stored> fail(SqlConnection tx, UUID id, String failureCode, String detail) {
        return tx.preparedQuery("UPDATE payment SET status = 'failed', failure_code = $2, failure_detail = $3, "
                + "updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING id")
                .execute(Tuple.of(id, failureCode, detail))
                .flatMap(updated -> Payments.stored(tx, id).call(payment -> updated.size() == 0
                        ? Uni.createFrom().voidItem()
                        : release(tx, List.of(payment))));
    }

    /** Takes back what payments that never happened held: their orders and their share of the day's limit. */
    private Uni<Void> release(SqlConnection tx, List<Payments.Stored> payments) {
        List<UUID> orders = new ArrayList<>();
        List<UUID> ofPayments = new ArrayList<>();
        for (Payments.Stored payment : payments) {
            if (payment.orderCodeId() != null) {
                orders.add(payment.orderCodeId());
                ofPayments.add(payment.id());
            }
        }
        Uni<Void> freed = orders.isEmpty()
                ? Uni.createFrom().voidItem()
                : tx.preparedQuery("UPDATE order_code o SET payment_id = NULL FROM unnest($1::uuid[], $2::uuid[]) "
                        + "AS v(id, payment_id) WHERE o.id = v.id AND o.payment_id = v.payment_id")
                        .execute(Tuple.of(orders.toArray(UUID[]::new), ofPayments.toArray(UUID[]::new)))
                        .replaceWithVoid();
        return freed.flatMap(done -> gate.releaseAll(tx, payments.stream().map(Payments.Stored::movement).toList()));
    }

    /** Payments whose transfers cannot have left: removed with what they held, as if never asked for. */
    private Uni<Void> undo(List<Payments.Stored> payments) {
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM payment WHERE id = ANY($1::uuid[]) "
                + "AND status = 'pending' AND attempts = 0 RETURNING id")
                .execute(Tuple.of(payments.stream().map(Payments.Stored::id).toArray(UUID[]::new)))
                .flatMap(deleted -> {
                    Set<UUID> gone = new HashSet<>();
                    deleted.forEach(row -> gone.add(row.getUUID("id")));
                    List<Payments.Stored> taken = payments.stream().filter(p -> gone.contains(p.id())).toList();
                    return taken.isEmpty() ? Uni.createFrom().voidItem() : release(tx, taken);
                }));
    }
}
