package io.kessai.bench;

import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * After the drill: what must hold whatever the faults did, read straight from payment-service's, wallet-service's and
 * notification-service's databases and checked against the clients' own log of acknowledged answers
 * ({@link DrillOperations#acks()}) and final refusals ({@link DrillOperations#refusals()}). Each invariant is a named
 * PASS/FAIL line with its counts:
 * <ul>
 * <li>(a) every acknowledged operation exists exactly once with its amount and a status its answer allows, and no
 * refused one is recorded as a success;</li>
 * <li>(b) no key made two payments, refunds, top-ups, P2P transfers or ledger transfers;</li>
 * <li>(c) nothing is left pending once {@code settleWait} has passed (and how long settling took);</li>
 * <li>(d) the ledger: money conserved, balances equal their entries, legs balanced, no customer below zero, and each
 * completed movement booked once by its own transfer ({@link PaymentChecks} for payments);</li>
 * <li>(e) each receipt delivered once to its customer's app (push delivery and stream), none twice, none for a
 * movement that did not happen.</li>
 * </ul>
 */
final class DrillInvariants {

    /** One invariant's verdict. */
    record Invariant(String name, boolean pass, String detail) {

        String line() {
            return (pass ? "PASS " : "FAIL ") + name + ": " + detail;
        }
    }

    /** Every invariant checked; {@link #ok()} when all passed. */
    record Result(List<Invariant> invariants) {

        boolean ok() {
            return invariants.stream().allMatch(Invariant::pass);
        }

        /** This result with {@code more} added (e.g. {@link DrillInvariants#walletService}). */
        Result with(Invariant more) {
            List<Invariant> all = new ArrayList<>(invariants);
            all.add(more);
            return new Result(List.copyOf(all));
        }

        /** The PENDING line (c): how many were pending when the check began, and how long they took to settle. */
        String pendingSummary() {
            return invariants.stream().filter(invariant -> invariant.name().startsWith("c. every pending"))
                    .map(invariant -> invariant.detail().replaceFirst(";.*", "")).findFirst().orElse("not checked");
        }

        List<String> lines() {
            return invariants.stream().map(Invariant::line).toList();
        }
    }

    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final int SAMPLES = 3;
    private static final Set<String> PAYMENT_OPERATIONS = Set.of(DrillOperations.MPM, DrillOperations.CPM,
            DrillOperations.ORDER_PAYMENT);
    private static final Set<String> CANCEL_OPERATIONS = Set.of(DrillOperations.CANCEL, DrillOperations.CANCEL_CPM);

    private DrillInvariants() {
    }

    /** {@link #check(PostgresServer, List, List, Duration)} with no refusals to check. */
    static Result check(PostgresServer postgres, List<DrillOperations.DrillAck> acks, Duration settleWait)
            throws Exception {
        return check(postgres, acks, List.of(), settleWait);
    }

    /**
     * Waits up to {@code settleWait} for everything pending to settle and every receipt to be handed over and sent,
     * then checks (a)–(e).
     */
    static Result check(PostgresServer postgres, List<DrillOperations.DrillAck> acks,
            List<DrillOperations.DrillRefusal> refusals, Duration settleWait) throws Exception {
        List<Invariant> invariants = new ArrayList<>();
        try (Connection payment = postgres.connect(Service.PAYMENT.database());
                Connection wallet = postgres.connect(Service.WALLET.database());
                Connection notification = postgres.connect(Service.NOTIFICATION.database())) {
            String checkStart = text(payment, "SELECT now()::text");
            invariants.addAll(settle(payment, notification, settleWait, checkStart));
            Db db = Db.read(payment, wallet);
            invariants.addAll(acknowledged(db, acks));
            invariants.add(refused(db, refusals));
            invariants.add(keysOnce(payment, wallet, acks));
            invariants.addAll(ledger(wallet));
            invariants.add(paymentsAndTransfers(postgres, db, acks));
            invariants.add(movementsAndTransfers(db));
            invariants.add(cancelsAndReversals(db));
            invariants.addAll(receipts(payment, notification, checkStart));
        }
        return new Result(List.copyOf(invariants));
    }

    /** wallet-service's own invariant check ({@link LedgerInvariants}, as ops), as one more line. */
    static Invariant walletService(HttpClient http, LocalStack stack) {
        String name = "d. wallet-service's own invariant check (GET /v1/ops/ledger/invariants)";
        try {
            return new Invariant(name, true, LedgerInvariants.check(http, stack));
        } catch (BenchmarkException e) {
            return new Invariant(name, false, e.getMessage());
        } catch (Exception e) {
            return new Invariant(name, false, "could not ask: " + e);
        }
    }

    // (c) ------------------------------------------------------------------------------------------------------------

    /**
     * What is not settled yet, of what existed when the check began ({@code %1$s}, the database's clock then): the load
     * goes on during the check, and what it starts meanwhile is the next check's.
     */
    private static final String[][] UNSETTLED = {
            {"payments pending", "SELECT count(*) FROM payment WHERE status = 'pending' AND created_at < '%1$s'"},
            {"cancels due", "SELECT count(*) FROM payment WHERE cancel_state = 'due' AND canceled_at < '%1$s'"},
            {"refunds pending", "SELECT count(*) FROM refund WHERE status = 'pending' AND created_at < '%1$s'"},
            {"P2P pending", "SELECT count(*) FROM p2p_transfer WHERE status = 'pending' AND created_at < '%1$s'"},
            {"top-ups charging or crediting", "SELECT count(*) FROM topup WHERE status IN ('charging', 'crediting')"
                    + " AND created_at < '%1$s'"}};

    private static List<Invariant> settle(Connection payment, Connection notification, Duration wait,
            String checkStart) throws Exception {
        long startNs = System.nanoTime();
        long deadlineNs = startNs + wait.toNanos();
        Map<String, Long> left;
        long pendingAtStart = -1;
        String[][] unsettled = new String[UNSETTLED.length][];
        for (int i = 0; i < UNSETTLED.length; i++) {
            unsettled[i] = new String[]{UNSETTLED[i][0], UNSETTLED[i][1].formatted(checkStart)};
        }
        while (true) {
            left = counts(payment, unsettled);
            if (pendingAtStart < 0) {
                pendingAtStart = left.values().stream().mapToLong(Long::longValue).sum();
            }
            if (left.values().stream().allMatch(n -> n == 0) || System.nanoTime() > deadlineNs) {
                break;
            }
            Thread.sleep(500);
        }
        double settledSeconds = (System.nanoTime() - startNs) / 1e9;
        long leftCount = left.values().stream().mapToLong(Long::longValue).sum();
        long held = count(payment, "SELECT (SELECT count(*) FROM payment WHERE status = 'held')"
                + " + (SELECT count(*) FROM p2p_transfer WHERE status = 'held')"
                + " + (SELECT count(*) FROM topup WHERE status IN ('held', 'challenge'))");
        Invariant settled = new Invariant("c. every pending movement settled within " + wait.toSeconds() + " s",
                leftCount == 0, String.format(Locale.ROOT, "%,d pending at the check, %,d left after %.1f s %s;"
                        + " held for a step-up or review (not pending, reported apart): %,d", pendingAtStart,
                        leftCount, settledSeconds, left, held));
        String outbox = "SELECT count(*) FROM kessai_outbox WHERE destination = 'notification' AND NOT dead"
                + " AND created_at < '" + checkStart + "'";
        String deliveries = "SELECT count(*) FROM delivery WHERE channel = 'push' AND status = 'pending'"
                + " AND created_at < '" + checkStart + "'";
        long backlog;
        long pending;
        while (true) {
            backlog = count(payment, outbox);
            pending = count(notification, deliveries);
            if (backlog == 0 && pending == 0 || System.nanoTime() > deadlineNs) {
                break;
            }
            Thread.sleep(500);
        }
        long dead = count(payment, "SELECT count(*) FROM kessai_outbox WHERE destination = 'notification' AND dead");
        Invariant delivered = new Invariant("c. receipts handed over and pushed within " + wait.toSeconds() + " s",
                backlog == 0 && pending == 0 && dead == 0, String.format(Locale.ROOT, "after %.1f s: %,d events"
                        + " still in payment-service's outbox, %,d dead there, %,d push deliveries pending",
                        (System.nanoTime() - startNs) / 1e9, backlog, dead, pending));
        return List.of(settled, delivered);
    }

    // What the databases hold ----------------------------------------------------------------------------------------

    /** A movement row: its id, who and which key scope it, amount, status, its transfer. */
    private record Row(String id, String subject, String key, long amount, String status, String transferId,
            String merchantPaymentId, String merchantId, String cancelState, boolean completedOnce) {
    }

    /** A ledger transfer: id, kind, caller, the sum of its legs. */
    private record Transfer(String id, String kind, String caller, long amount) {
    }

    /** The movements of payment-service and the transfers of wallet-service, indexed. */
    private static final class Db {

        final List<Row> payments = new ArrayList<>();
        final Map<String, List<Row>> paymentsByKey = new HashMap<>();
        final Map<String, Row> paymentsById = new HashMap<>();
        final Map<String, List<Row>> paymentsByMerchantPaymentId = new HashMap<>();
        final Map<String, Map<String, List<Row>>> byKind = new LinkedHashMap<>();
        final Map<String, List<Transfer>> transfersByKey = new HashMap<>();

        static Db read(Connection payment, Connection wallet) throws SQLException {
            Db db = new Db();
            for (String[] r : rows(payment, "SELECT id::text, customer_id, idempotency_key, amount::text, status,"
                    + " transfer_id::text, merchant_payment_id, merchant_id::text, cancel_state,"
                    + " (completed_at IS NOT NULL)::text FROM payment")) {
                Row row = new Row(r[0], r[1], r[2], Long.parseLong(r[3]), r[4], r[5], r[6], r[7], r[8],
                        "true".equals(r[9]));
                db.payments.add(row);
                db.paymentsByKey.computeIfAbsent(r[1] + "|" + r[2], k -> new ArrayList<>()).add(row);
                db.paymentsById.put(r[0], row);
                if (r[6] != null) {
                    db.paymentsByMerchantPaymentId.computeIfAbsent(r[7] + "|" + r[6], k -> new ArrayList<>())
                            .add(row);
                }
            }
            db.index("refund", rows(payment, "SELECT id::text, merchant_id::text, merchant_refund_id, amount::text,"
                    + " status, transfer_id::text FROM refund"));
            db.index("topup", rows(payment, "SELECT id::text, customer_id, idempotency_key, amount::text, status,"
                    + " transfer_id::text FROM topup"));
            db.index("p2p", rows(payment, "SELECT id::text, sender_id, idempotency_key, amount::text, status,"
                    + " transfer_id::text FROM p2p_transfer"));
            // The setup's funding of each customer (PaymentSetup.fundCustomers) is a top-up of no top-up movement.
            for (String[] t : rows(wallet, "SELECT t.idempotency_key, t.id::text, t.kind, t.caller,"
                    + " coalesce(sum(l.amount), 0)::text FROM transfer t LEFT JOIN transfer_leg l"
                    + " ON l.transfer_id = t.id WHERE t.reference IS NULL OR t.reference NOT LIKE 'bench-fund-%'"
                    + " GROUP BY t.id")) {
                db.transfersByKey.computeIfAbsent(t[0], k -> new ArrayList<>()).add(new Transfer(t[1], t[2], t[3],
                        Long.parseLong(t[4])));
            }
            return db;
        }

        private void index(String kind, List<String[]> rows) {
            Map<String, List<Row>> byKey = byKind.computeIfAbsent(kind, k -> new HashMap<>());
            for (String[] r : rows) {
                byKey.computeIfAbsent(r[1] + "|" + r[2], k -> new ArrayList<>()).add(new Row(r[0], r[1], r[2],
                        Long.parseLong(r[3]), r[4], r[5], null, null, null, "completed".equals(r[4])));
            }
        }

        /** The transfer of {@code kind} booked under {@code key}, or null. */
        Transfer transfer(String key, String kind) {
            for (Transfer transfer : transfersByKey.getOrDefault(key, List.of())) {
                if (transfer.kind().equals(kind)) {
                    return transfer;
                }
            }
            return null;
        }
    }

    // (a) ------------------------------------------------------------------------------------------------------------

    /** What was found wrong for one operation's acks. */
    private static final class Tally {

        long acknowledged;
        long pendingAnswers;
        final Map<String, Long> problems = new LinkedHashMap<>();
        final List<String> samples = new ArrayList<>();

        void problem(String what, DrillOperations.DrillAck ack, String found) {
            problems.merge(what, 1L, Long::sum);
            if (samples.size() < SAMPLES) {
                samples.add(ack.subject() + "/" + ack.key() + " (" + ack.status() + "): " + what
                        + (found == null ? "" : " " + found));
            }
        }

        boolean pass() {
            return problems.isEmpty();
        }

        String detail() {
            return String.format(Locale.ROOT, "%,d acknowledged (%,d answered 202 pending); %s%s", acknowledged,
                    pendingAnswers, problems.isEmpty() ? "all as answered" : problems, samples.isEmpty()
                            ? ""
                            : "; e.g. " + String.join("; ", samples));
        }
    }

    private static List<Invariant> acknowledged(Db db, List<DrillOperations.DrillAck> acks) {
        Set<String> canceled = canceledByDrill(acks);
        Map<String, Tally> tallies = new LinkedHashMap<>();
        for (DrillOperations.DrillAck ack : acks) {
            Tally tally = tallies.computeIfAbsent(ack.operation(), o -> new Tally());
            tally.acknowledged++;
            if (ack.status() == 202) {
                tally.pendingAnswers++;
            }
            String scope = ack.subject() + "|" + ack.key();
            if (PAYMENT_OPERATIONS.contains(ack.operation())) {
                Row row = once(tally, ack, db.paymentsByKey.getOrDefault(scope, List.of()));
                if (row != null) {
                    Set<String> allowed = ack.status() == 202
                            ? Set.of("completed", "failed", "canceled")
                            : canceled.contains(row.id()) ? Set.of("canceled") : Set.of("completed");
                    status(tally, ack, row, allowed);
                }
            } else if (CANCEL_OPERATIONS.contains(ack.operation())) {
                List<Row> rows = db.paymentsByMerchantPaymentId.getOrDefault(scope, List.of());
                if (ack.resourceId() == null) {
                    // The order had no payment left: none of its payments may be under way or done.
                    if (rows.stream().anyMatch(r -> Set.of("held", "pending", "completed").contains(r.status()))) {
                        tally.problem("order deleted yet a payment stands", ack, null);
                    }
                } else {
                    Row row = db.paymentsById.get(ack.resourceId());
                    if (row == null || !rows.contains(row)) {
                        tally.problem("canceled payment missing", ack, null);
                    } else {
                        if (row.amount() != ack.amountYen()) {
                            tally.problem("wrong amount", ack, row.amount() + " yen");
                        }
                        if (!"canceled".equals(row.status()) || !"done".equals(row.cancelState())) {
                            tally.problem("not canceled and settled", ack, row.status() + "/" + row.cancelState());
                        }
                    }
                }
            } else {
                String kind = switch (ack.operation()) {
                    case DrillOperations.REFUND -> "refund";
                    case DrillOperations.TOPUP -> "topup";
                    case DrillOperations.P2P -> "p2p";
                    default -> null;
                };
                if (kind == null) {
                    tally.problem("unknown operation", ack, null);
                    continue;
                }
                Row row = once(tally, ack, db.byKind.get(kind).getOrDefault(scope, List.of()));
                if (row != null) {
                    status(tally, ack, row, ack.status() == 202
                            ? Set.of("completed", "failed")
                            : Set.of("completed"));
                }
            }
        }
        List<Invariant> invariants = new ArrayList<>();
        tallies.forEach((operation, tally) -> invariants.add(new Invariant("a. acknowledged " + operation
                + " recorded once, amount and status as answered", tally.pass(), tally.detail())));
        if (invariants.isEmpty()) {
            invariants.add(new Invariant("a. acknowledged operations recorded once", false,
                    "no operation was acknowledged at all"));
        }
        return invariants;
    }

    /** The one row of an ack, or null (counted) when there is none or more than one. */
    private static Row once(Tally tally, DrillOperations.DrillAck ack, List<Row> rows) {
        if (rows.isEmpty()) {
            tally.problem("missing", ack, null);
            return null;
        }
        if (rows.size() > 1) {
            tally.problem("recorded " + rows.size() + " times", ack, null);
            return null;
        }
        Row row = rows.getFirst();
        if (ack.resourceId() != null && !ack.resourceId().equals(row.id())) {
            tally.problem("another id than answered", ack, row.id());
        }
        if (row.amount() != ack.amountYen()) {
            tally.problem("wrong amount", ack, row.amount() + " yen");
        }
        return row;
    }

    private static void status(Tally tally, DrillOperations.DrillAck ack, Row row, Set<String> allowed) {
        if (!allowed.contains(row.status())) {
            tally.problem("status not as answered", ack, row.status());
        }
    }

    /** The payments the drill's acknowledged cancels canceled. */
    private static Set<String> canceledByDrill(List<DrillOperations.DrillAck> acks) {
        Set<String> canceled = new HashSet<>();
        for (DrillOperations.DrillAck ack : acks) {
            if (CANCEL_OPERATIONS.contains(ack.operation()) && ack.resourceId() != null) {
                canceled.add(ack.resourceId());
            }
        }
        return canceled;
    }

    private static Invariant refused(Db db, List<DrillOperations.DrillRefusal> refusals) {
        long checked = 0;
        long succeeded = 0;
        List<String> samples = new ArrayList<>();
        Map<Integer, Long> byStatus = new java.util.TreeMap<>();
        for (DrillOperations.DrillRefusal refusal : refusals) {
            byStatus.merge(refusal.status(), 1L, Long::sum);
            String scope = refusal.subject() + "|" + refusal.key();
            List<Row> rows;
            Set<String> success;
            if (PAYMENT_OPERATIONS.contains(refusal.operation())) {
                rows = db.paymentsByKey.getOrDefault(scope, List.of());
                success = Set.of("completed");
            } else if (CANCEL_OPERATIONS.contains(refusal.operation())) {
                rows = db.paymentsByMerchantPaymentId.getOrDefault(scope, List.of());
                success = Set.of("canceled");
            } else if (DrillOperations.REFUND.equals(refusal.operation())) {
                rows = db.byKind.get("refund").getOrDefault(scope, List.of());
                success = Set.of("completed");
            } else if (DrillOperations.TOPUP.equals(refusal.operation())) {
                rows = db.byKind.get("topup").getOrDefault(scope, List.of());
                success = Set.of("completed");
            } else if (DrillOperations.P2P.equals(refusal.operation())) {
                rows = db.byKind.get("p2p").getOrDefault(scope, List.of());
                success = Set.of("completed");
            } else {
                continue; // an order code: no money
            }
            checked++;
            if (rows.stream().anyMatch(row -> success.contains(row.status()))) {
                succeeded++;
                if (samples.size() < SAMPLES) {
                    samples.add(refusal.operation() + " " + refusal.subject() + "/" + refusal.key() + " answered "
                            + refusal.status() + " " + refusal.code());
                }
            }
        }
        return new Invariant("a. refused operations not recorded as a success", succeeded == 0, String.format(
                Locale.ROOT, "%,d refusals checked (by status %s): %,d recorded as a success%s", checked, byStatus,
                succeeded, samples.isEmpty() ? "" : "; e.g. " + String.join("; ", samples)));
    }

    // (b) ------------------------------------------------------------------------------------------------------------

    private static Invariant keysOnce(Connection payment, Connection wallet, List<DrillOperations.DrillAck> acks)
            throws SQLException {
        Map<String, Long> twice = new LinkedHashMap<>();
        twice.putAll(counts(payment, new String[][]{
                {"payment (customer_id, idempotency_key)", "SELECT count(*) FROM (SELECT 1 FROM payment"
                        + " GROUP BY customer_id, idempotency_key HAVING count(*) > 1) d"},
                {"payment (merchant_id, merchant_payment_id) not failed", "SELECT count(*) FROM (SELECT 1 FROM"
                        + " payment WHERE merchant_payment_id IS NOT NULL AND status <> 'failed'"
                        + " GROUP BY merchant_id, merchant_payment_id HAVING count(*) > 1) d"},
                {"refund (merchant_id, merchant_refund_id)", "SELECT count(*) FROM (SELECT 1 FROM refund"
                        + " GROUP BY merchant_id, merchant_refund_id HAVING count(*) > 1) d"},
                {"topup (customer_id, idempotency_key)", "SELECT count(*) FROM (SELECT 1 FROM topup"
                        + " GROUP BY customer_id, idempotency_key HAVING count(*) > 1) d"},
                {"p2p_transfer (sender_id, idempotency_key)", "SELECT count(*) FROM (SELECT 1 FROM p2p_transfer"
                        + " GROUP BY sender_id, idempotency_key HAVING count(*) > 1) d"}}));
        twice.putAll(counts(wallet, new String[][]{
                {"transfer (caller, idempotency_key)", "SELECT count(*) FROM (SELECT 1 FROM transfer"
                        + " GROUP BY caller, idempotency_key HAVING count(*) > 1) d"},
                {"transfer reference of a payment, refund, top-up or P2P", "SELECT count(*) FROM (SELECT 1 FROM"
                        + " transfer WHERE reference IS NOT NULL AND kind IN ('payment', 'refund', 'topup', 'p2p')"
                        + " GROUP BY kind, reference HAVING count(*) > 1) d"},
                {"reversals of one transfer under one key", "SELECT count(*) FROM (SELECT 1 FROM transfer"
                        + " WHERE idempotency_key LIKE 'cancel:%' GROUP BY idempotency_key HAVING count(*) > 1) d"}}));
        // The clients' view: one key answered with two different resources.
        Map<String, String> answered = new HashMap<>();
        long answeredTwice = 0;
        for (DrillOperations.DrillAck ack : acks) {
            if (ack.resourceId() == null) {
                continue;
            }
            String previous = answered.putIfAbsent(ack.operation() + "|" + ack.subject() + "|" + ack.key(),
                    ack.resourceId());
            if (previous != null && !previous.equals(ack.resourceId())) {
                answeredTwice++;
            }
        }
        twice.put("acks of one key naming two resources", answeredTwice);
        boolean pass = twice.values().stream().allMatch(n -> n == 0);
        return new Invariant("b. no key made two movements or two transfers", pass, "keys used twice: " + twice);
    }

    // (d) ------------------------------------------------------------------------------------------------------------

    private static List<Invariant> ledger(Connection wallet) throws SQLException {
        boolean autoCommit = wallet.getAutoCommit();
        wallet.setAutoCommit(false);
        wallet.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        wallet.setReadOnly(true);
        try {
            long shardsUnbalanced = count(wallet, "SELECT count(*) FROM (SELECT a.currency FROM account_shard s"
                    + " JOIN account a ON a.id = s.account_id GROUP BY a.currency HAVING sum(s.balance) <> 0) c");
            long entriesUnbalanced = count(wallet, "SELECT count(*) FROM (SELECT a.currency FROM entry e"
                    + " JOIN account a ON a.id = e.account_id GROUP BY a.currency HAVING sum(e.amount) <> 0) c");
            String sums = String.join(", ", rows(wallet, "SELECT a.currency || ' ' || sum(s.balance) FROM"
                    + " account_shard s JOIN account a ON a.id = s.account_id GROUP BY a.currency").stream()
                    .map(r -> r[0]).toList());
            long balanceNotEntries = count(wallet, "SELECT count(*) FROM account_shard s LEFT JOIN (SELECT"
                    + " account_id, shard, sum(amount) AS total FROM entry GROUP BY account_id, shard) e"
                    + " ON e.account_id = s.account_id AND e.shard = s.shard WHERE s.balance <> coalesce(e.total, 0)");
            long entriesWithoutShard = count(wallet, "SELECT count(*) FROM (SELECT DISTINCT account_id, shard FROM"
                    + " entry) e LEFT JOIN account_shard s ON s.account_id = e.account_id AND s.shard = e.shard"
                    + " WHERE s.account_id IS NULL");
            long legsUnbalanced = count(wallet, "SELECT count(*) FROM (SELECT 1 FROM entry GROUP BY transfer_id, leg"
                    + " HAVING sum(amount) <> 0) l");
            long customersNegative = count(wallet, "SELECT count(*) FROM (SELECT a.id FROM account a JOIN"
                    + " account_shard s ON s.account_id = a.id WHERE a.kind = 'customer' GROUP BY a.id"
                    + " HAVING sum(s.balance) < 0) n");
            long othersNegative = count(wallet, "SELECT count(*) FROM (SELECT a.id FROM account a JOIN"
                    + " account_shard s ON s.account_id = a.id WHERE NOT a.may_go_negative AND a.kind <> 'customer'"
                    + " GROUP BY a.id HAVING sum(s.balance) < 0) n");
            long belowHeld = count(wallet, "SELECT count(*) FROM account_shard WHERE NOT may_go_negative"
                    + " AND balance < held");
            wallet.commit();
            return List.of(
                    new Invariant("d. money conserved: all balances and all entries sum to 0 per currency",
                            shardsUnbalanced == 0 && entriesUnbalanced == 0, String.format(Locale.ROOT,
                                    "currencies whose balances do not sum to 0: %,d, whose entries do not: %,d"
                                            + " (sums: %s)",
                                    shardsUnbalanced, entriesUnbalanced, sums)),
                    new Invariant("d. every account balance equals the sum of its entries",
                            balanceNotEntries == 0 && entriesWithoutShard == 0, String.format(Locale.ROOT,
                                    "sub-accounts whose balance is not their entries' sum: %,d; entries of no"
                                            + " sub-account: %,d",
                                    balanceNotEntries, entriesWithoutShard)),
                    new Invariant("d. every leg's entries sum to 0", legsUnbalanced == 0, String.format(
                            Locale.ROOT, "legs unbalanced: %,d", legsUnbalanced)),
                    new Invariant("d. no customer account negative", customersNegative == 0 && othersNegative == 0
                            && belowHeld == 0,
                            String.format(Locale.ROOT, "customer accounts below 0: %,d; other"
                                    + " accounts that may not go negative below 0: %,d; sub-accounts below what"
                                    + " they hold: %,d", customersNegative, othersNegative, belowHeld)));
        } finally {
            wallet.rollback();
            wallet.setReadOnly(false);
            wallet.setAutoCommit(autoCommit);
        }
    }

    /**
     * Completed payments ⇔ payment transfers, by {@link PaymentChecks} on the drill's payment acks (those it did not
     * cancel afterwards). PaymentChecks counts a transfer whose payment is canceled as a transfer for no payment; a
     * canceled payment's transfer is legitimate (its reversal is checked by {@link #cancelsAndReversals}), so those
     * are taken off its count here.
     */
    private static Invariant paymentsAndTransfers(PostgresServer postgres, Db db, List<DrillOperations.DrillAck> acks)
            throws Exception {
        Set<String> canceled = canceledByDrill(acks);
        List<PaymentLoad.Ack> paymentAcks = acks.stream().filter(ack -> PAYMENT_OPERATIONS.contains(ack.operation()))
                .filter(ack -> ack.resourceId() == null || !canceled.contains(ack.resourceId()))
                .map(ack -> new PaymentLoad.Ack(ack.subject(), ack.key(), ack.status())).toList();
        PaymentChecks.Result checks = PaymentChecks.check(postgres, paymentAcks, Duration.ZERO);
        long canceledWithTransfer = db.payments.stream().filter(p -> "canceled".equals(p.status()))
                .filter(p -> db.transfer(p.id(), "payment") != null).count();
        long withoutPayment = checks.transfersWithoutPayment() - canceledWithTransfer;
        long wrongAmount = db.payments.stream().filter(p -> "completed".equals(p.status())).filter(p -> {
            Transfer transfer = db.transfer(p.id(), "payment");
            return transfer != null && transfer.amount() != p.amount();
        }).count();
        boolean pass = checks.missing() == 0 && checks.notCompleted() == 0 && checks.duplicateKeys() == 0
                && checks.completedWithoutTransfer() == 0 && withoutPayment == 0 && wrongAmount == 0;
        return new Invariant("d. completed payments ⇔ payment transfers (PaymentChecks)", pass, checks.summary()
                + String.format(Locale.ROOT, "; of the transfers for no payment or a failed one, %,d are of canceled"
                        + " payments (legitimate): %,d left; transfers of another amount than their payment: %,d",
                        canceledWithTransfer, withoutPayment, wrongAmount));
    }

    /**
     * Refunds, top-ups and P2P transfers against their ledger transfers (each keyed by the movement's id): a completed
     * one names the transfer booked under its id, of its amount; a failed one has none; a transfer of the kind under a
     * movement id belongs to a completed (or still unsettled) movement. Top-up transfers under keys that are no
     * top-up id (the setup's funding, {@link PaymentSetup#fundCustomers}) are counted apart.
     */
    private static Invariant movementsAndTransfers(Db db) {
        Map<String, String> details = new LinkedHashMap<>();
        boolean pass = true;
        for (Map.Entry<String, Map<String, List<Row>>> kind : db.byKind.entrySet()) {
            Map<String, Row> byId = new HashMap<>();
            kind.getValue().values().forEach(rows -> rows.forEach(row -> byId.put(row.id(), row)));
            long completed = 0;
            long withoutTransfer = 0;
            long wrongAmount = 0;
            long failedButBooked = 0;
            for (Row row : byId.values()) {
                Transfer transfer = db.transfer(row.id(), kind.getKey());
                if ("completed".equals(row.status())) {
                    completed++;
                    if (transfer == null || !transfer.id().equals(row.transferId())) {
                        withoutTransfer++;
                    } else if (transfer.amount() != row.amount()) {
                        wrongAmount++;
                    }
                } else if ("failed".equals(row.status()) && transfer != null) {
                    failedButBooked++;
                }
            }
            long booked = 0;
            long orphans = 0;
            long outside = 0;
            for (Map.Entry<String, List<Transfer>> entry : db.transfersByKey.entrySet()) {
                for (Transfer transfer : entry.getValue()) {
                    if (!transfer.kind().equals(kind.getKey())) {
                        continue;
                    }
                    booked++;
                    if (!UUID_TEXT.matcher(entry.getKey()).matches()) {
                        outside++;
                        continue;
                    }
                    Row row = byId.get(entry.getKey());
                    if (row == null || "failed".equals(row.status())) {
                        orphans++;
                    }
                }
            }
            pass &= withoutTransfer == 0 && wrongAmount == 0 && failedButBooked == 0 && orphans == 0;
            details.put(kind.getKey(), String.format(Locale.ROOT, "%,d completed, %,d transfers (%,d under other"
                    + " keys); completed without their transfer %,d, of another amount %,d, failed yet booked %,d,"
                    + " transfers for no such movement %,d", completed, booked, outside, withoutTransfer, wrongAmount,
                    failedButBooked, orphans));
        }
        return new Invariant("d. completed refunds, top-ups and P2P transfers ⇔ their transfers", pass,
                details.toString());
    }

    /**
     * Each settled cancel of a payment whose transfer was posted has exactly one reversal of it under
     * {@code cancel:<paymentId>}, of the payment's amount; one settled as never posted has no payment transfer; no
     * reversal names a payment that is not canceled.
     */
    private static Invariant cancelsAndReversals(Db db) {
        long settled = 0;
        long reversed = 0;
        long withoutReversal = 0;
        long wrongReversal = 0;
        long chargedNotReturned = 0;
        for (Row payment : db.payments) {
            if (!"canceled".equals(payment.status()) || !"done".equals(payment.cancelState())) {
                continue;
            }
            settled++;
            Transfer posted = db.transfer(payment.id(), "payment");
            List<Transfer> reversals = db.transfersByKey.getOrDefault("cancel:" + payment.id(), List.of());
            if (posted == null) {
                if (!reversals.isEmpty()) {
                    wrongReversal++;
                }
                continue;
            }
            if (payment.transferId() == null) {
                chargedNotReturned++;
            }
            if (reversals.isEmpty()) {
                withoutReversal++;
            } else if (reversals.size() > 1 || reversals.getFirst().amount() != payment.amount()) {
                wrongReversal++;
            } else {
                reversed++;
            }
        }
        long strayReversals = 0;
        for (String key : db.transfersByKey.keySet()) {
            if (key.startsWith("cancel:")) {
                Row payment = db.paymentsById.get(key.substring("cancel:".length()));
                if (payment == null || !"canceled".equals(payment.status())) {
                    strayReversals++;
                }
            }
        }
        boolean pass = withoutReversal == 0 && wrongReversal == 0 && chargedNotReturned == 0 && strayReversals == 0;
        return new Invariant("d. settled cancels ⇔ reversals", pass, String.format(Locale.ROOT, "%,d cancels"
                + " settled, %,d of them reversed; posted but not reversed %,d, reversed twice or by another amount"
                + " %,d, settled as never posted although posted %,d, reversals of no canceled payment %,d",
                settled, reversed, withoutReversal, wrongReversal, chargedNotReturned, strayReversals));
    }

    // (e) ------------------------------------------------------------------------------------------------------------

    /**
     * The receipts payment-service must have handed over (its outbox deletes delivered rows, so they are derived from
     * the movements: {@code pay:<id>:completed} for every payment that completed, canceled ones included,
     * {@code pay:<id>:canceled} for every settled cancel, {@code refund:<id>:completed}, {@code topup:<id>:completed},
     * {@code p2p:<id>:sent} and {@code :received}), each to the customer's app: one push delivery to
     * {@code user:<id>} in notification-service's {@code delivery}, sent, and one row in {@code stream_event}.
     */
    /**
     * {@code checkStart}: receipts of what settled before it are due (the load goes on, and what settles later is the
     * next check's); any receipt for something that did not settle is wrong whenever it was sent.
     */
    private static List<Invariant> receipts(Connection payment, Connection notification, String checkStart)
            throws SQLException {
        String due = "::timestamptz < '" + checkStart + "'";
        Map<String, String> completedReceipts = new HashMap<>();
        Set<String> dueReceipts = new HashSet<>();
        for (String[] r : rows(payment, "SELECT 'pay:' || id || ':completed', 'user:' || customer_id, (completed_at"
                + due + ")::text FROM payment WHERE completed_at IS NOT NULL")) {
            completedReceipts.put(r[0], r[1]);
            if ("true".equals(r[2])) {
                dueReceipts.add(r[0]);
            }
        }
        Map<String, String> otherReceipts = new HashMap<>();
        for (String[] r : rows(payment, "SELECT 'pay:' || id || ':canceled', 'user:' || customer_id,"
                + " (cancel_settled_at" + due
                + ")::text FROM payment WHERE status = 'canceled' AND cancel_state = 'done'"
                + " UNION ALL SELECT 'refund:' || r.id || ':completed', 'user:' || p.customer_id, (r.completed_at"
                + due + ")::text FROM refund r JOIN payment p ON p.id = r.payment_id WHERE r.status = 'completed'"
                + " UNION ALL SELECT 'topup:' || id || ':completed', 'user:' || customer_id, (completed_at" + due
                + ")::text FROM topup WHERE status = 'completed'"
                + " UNION ALL SELECT 'p2p:' || id || ':sent', 'user:' || sender_id, (completed_at" + due
                + ")::text FROM p2p_transfer WHERE status = 'completed'"
                + " UNION ALL SELECT 'p2p:' || id || ':received', 'user:' || recipient_id, (completed_at" + due
                + ")::text FROM p2p_transfer WHERE status = 'completed'")) {
            otherReceipts.put(r[0], r[1]);
            if ("true".equals(r[2])) {
                dueReceipts.add(r[0]);
            }
        }
        // event id|audience -> [deliveries, of them sent]
        Map<String, long[]> deliveries = new HashMap<>();
        for (String[] r : rows(notification, "SELECT event_id, recipient, count(*)::text,"
                + " count(*) FILTER (WHERE status = 'sent')::text FROM delivery WHERE channel = 'push'"
                + " AND recipient LIKE 'user:%' GROUP BY event_id, recipient")) {
            deliveries.put(r[0] + "|" + r[1], new long[]{Long.parseLong(r[2]), Long.parseLong(r[3])});
        }
        Map<String, Long> streamed = new HashMap<>();
        for (String[] r : rows(notification, "SELECT data ->> 'eventId', audience, count(*)::text FROM stream_event"
                + " WHERE audience LIKE 'user:%' GROUP BY 1, 2")) {
            streamed.put(r[0] + "|" + r[1], Long.parseLong(r[2]));
        }
        List<Invariant> invariants = new ArrayList<>();
        invariants.add(receiptsOnce("e. every completed payment's receipt (payment.completed) pushed once to its"
                + " customer, none twice, none for a payment that did not complete", completedReceipts, "pay:",
                ":completed", dueReceipts, deliveries, streamed));
        invariants.add(receiptsOnce("e. every refund, cancel, top-up and P2P receipt pushed once, none twice",
                otherReceipts, null, null, dueReceipts, deliveries, streamed));
        return invariants;
    }

    private static Invariant receiptsOnce(String name, Map<String, String> expected, String prefix, String suffix,
            Set<String> due, Map<String, long[]> deliveries, Map<String, Long> streamed) {
        long notDelivered = 0;
        long notSent = 0;
        long deliveredTwice = 0;
        long notStreamed = 0;
        long streamedTwice = 0;
        List<String> samples = new ArrayList<>();
        long dueCount = 0;
        for (Map.Entry<String, String> receipt : expected.entrySet()) {
            long[] seenNow = deliveries.get(receipt.getKey() + "|" + receipt.getValue());
            if (!due.contains(receipt.getKey()) && seenNow == null) {
                continue; // settled after the check began, and not delivered yet: the next check's
            }
            dueCount++;
            String scope = receipt.getKey() + "|" + receipt.getValue();
            long[] delivered = deliveries.getOrDefault(scope, new long[2]);
            long inStream = streamed.getOrDefault(scope, 0L);
            String wrong = null;
            if (delivered[0] == 0) {
                notDelivered++;
                wrong = "never handed over";
            } else if (delivered[0] > 1) {
                deliveredTwice++;
                wrong = delivered[0] + " deliveries";
            } else if (delivered[1] == 0) {
                notSent++;
                wrong = "not sent";
            }
            if (inStream == 0) {
                notStreamed++;
                wrong = wrong == null ? "not in the stream" : wrong;
            } else if (inStream > 1) {
                streamedTwice++;
                wrong = inStream + " times in the stream";
            }
            if (wrong != null && samples.size() < SAMPLES) {
                samples.add(receipt.getKey() + " " + wrong);
            }
        }
        long unexpected = 0;
        if (prefix != null) {
            Set<String> seen = new HashSet<>();
            deliveries.keySet().forEach(scope -> seen.add(scope.substring(0, scope.indexOf('|'))));
            streamed.keySet().forEach(scope -> seen.add(scope.substring(0, scope.indexOf('|'))));
            for (String eventId : seen) {
                if (eventId != null && eventId.startsWith(prefix) && eventId.endsWith(suffix)
                        && !expected.containsKey(eventId)) {
                    unexpected++;
                    if (samples.size() < SAMPLES) {
                        samples.add(eventId + " delivered for a payment that did not complete");
                    }
                }
            }
        }
        boolean pass = notDelivered == 0 && notSent == 0 && deliveredTwice == 0 && notStreamed == 0
                && streamedTwice == 0 && unexpected == 0;
        return new Invariant(name, pass, String.format(Locale.ROOT, "%,d receipts due: never handed over %,d,"
                + " not sent %,d, two deliveries %,d, not in the stream %,d, twice in the stream %,d; receipts for"
                + " nothing %,d%s", dueCount, notDelivered, notSent, deliveredTwice, notStreamed,
                streamedTwice, unexpected, samples.isEmpty() ? "" : "; e.g. " + String.join("; ", samples)));
    }

    // SQL ------------------------------------------------------------------------------------------------------------

    private static Map<String, Long> counts(Connection connection, String[][] named) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String[] query : named) {
            counts.put(query[0], count(connection, query[1]));
        }
        return counts;
    }

    private static String text(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    /** Rows of text columns. */
    private static List<String[]> rows(Connection connection, String sql) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                String[] row = new String[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = result.getString(i + 1);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
