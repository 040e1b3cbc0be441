package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The drill's operations, each through {@link DrillClient} (so retried under its key while refused) with its actors
 * picked at random: a customer pays a merchant's static code (MPM), a till charges the code a device shows (CPM), a
 * till makes an order code and a customer pays it (an order payment: the only MPM payment a till can cancel), a till
 * refunds 1 yen of an MPM payment acknowledged earlier, a till cancels an order payment acknowledged earlier (or,
 * {@link #cancelCpm}, a CPM payment), a customer tops up from the sandbox card registered by {@link #setUpCards}, a
 * customer sends money to another (P2P). Each acknowledged operation goes into {@link #acks()}; each one refused with a
 * final answer (a 4xx, a 5xx other than 503) into {@link #refusals()}: it must not be in the database as a success.
 *
 * <p>
 * Who collides with whom: a payment is refunded or canceled at most once (each is taken from its queue once), and the
 * ones refunded (static MPM) are never the ones canceled (order payments, CPM), since payment-service refuses to cancel
 * a refunded payment (409 {@code payment-refunded}). Each P2P sender sends only to its next {@link #P2P_RECIPIENTS}
 * customers (payment-service lets a sender look up 10 distinct numbers an hour). A customer's card top-ups stay below
 * {@link #TOPUP_BUDGET_YEN} in total, under the risk engine's 7pay rule (10,000 yen of card top-ups in 30 min and then
 * spending half of it is held for a step-up or a review).
 */
final class DrillOperations {

    /** An acknowledged operation, for the invariants: see {@link DrillInvariants} for what each must match. */
    record DrillAck(String operation, String key, String subject, int status, String resourceId, long amountYen) {
    }

    /** An operation answered with a final refusal; {@code code} is the problem's code (null when none). */
    record DrillRefusal(String operation, String key, String subject, int status, String code) {
    }

    static final String MPM = "mpm-payment";
    static final String CPM = "cpm-payment";
    static final String ORDER_CODE = "order-code";
    static final String ORDER_PAYMENT = "order-payment";
    static final String REFUND = "refund";
    static final String CANCEL = "cancel";
    static final String CANCEL_CPM = "cancel-cpm";
    static final String TOPUP = "topup";
    static final String P2P = "p2p";

    static final int P2P_RECIPIENTS = 3;
    static final long TOPUP_BUDGET_YEN = 9_000;
    static final long MAX_AMOUNT_YEN = 500;
    /** The sandbox acquirer's card that approves every charge. */
    static final String APPROVING_CARD = "4000000000000101";

    /** A payment acknowledged earlier that a till may refund or cancel. */
    private record Paid(String paymentId, int merchant, String merchantPaymentId, long amount) {
    }

    private final HttpClient http;
    private final URI paymentUrl;
    private final FreshTokens customers;
    private final AuthUsers customerUsers;
    private final List<PaymentSetup.Merchant> merchants;
    private final FreshTokens tills;
    private final CpmDevices devices;
    private final DrillClient client;
    private final String runId;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicReferenceArray<String> cards;
    private final AtomicLongArray toppedUp;
    private final ConcurrentLinkedQueue<Paid> refundable = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Paid> cancelable = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Paid> cpmCancelable = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<DrillAck> acks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<DrillRefusal> refusals = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> notSent = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> givenUp = new ConcurrentHashMap<>();

    /**
     * {@code http}: for {@link #setUpCards} only (the drill's requests go through {@code client});
     * {@code paymentUrl}: payment-service as the balancer serves it; {@code customers} and {@code customerUsers}: the
     * signed-in customers and the users they are (index n is the same person in both: P2P needs the recipient's phone);
     * {@code tills}: index n is merchant n's till; {@code devices}: the customers' CPM devices (null: no CPM);
     * {@code runId}: 1–16 of {@code A-Z a-z 0-9}, makes this run's keys unlike any other run's (keys become
     * merchantPaymentIds, which allow 64 of {@code A-Z a-z 0-9 _ -}).
     */
    DrillOperations(HttpClient http, URI paymentUrl, FreshTokens customers, AuthUsers customerUsers,
            List<PaymentSetup.Merchant> merchants, FreshTokens tills, CpmDevices devices, DrillClient client,
            String runId) {
        if (!runId.matches("[A-Za-z0-9]{1,16}")) {
            throw new IllegalArgumentException("runId must be 1 to 16 of A-Z a-z 0-9: " + runId);
        }
        if (tills.count() < merchants.size()) {
            throw new IllegalArgumentException("one till per merchant: " + tills.count() + " tills for "
                    + merchants.size() + " merchants");
        }
        this.http = http;
        this.paymentUrl = paymentUrl;
        this.customers = customers;
        this.customerUsers = customerUsers;
        this.merchants = List.copyOf(merchants);
        this.tills = tills;
        this.devices = devices;
        this.client = client;
        this.runId = runId;
        this.cards = new AtomicReferenceArray<>(customers.count());
        this.toppedUp = new AtomicLongArray(customers.count());
    }

    /**
     * Registers the sandbox acquirer's approving card ({@link #APPROVING_CARD}) for every customer, as the app does
     * with a step-up token ({@code POST /v1/cards}); {@code parallelism} at once. Costs each customer one SMS code (the
     * notification-service limit is 10 an hour per number). Without it {@link #topUp} sends nothing.
     */
    void setUpCards(StepUps stepUps, int parallelism) throws Exception {
        int expiryYear = LocalDate.now(ZoneOffset.UTC).getYear() + 3;
        String body = """
                {"number":"%s","expiryMonth":12,"expiryYear":%d,"cvc":"123"}""".formatted(APPROVING_CARD, expiryYear);
        Parallel.run(customers.count(), parallelism, n -> {
            String steppedUp = stepUps.token(customers.authorization(n), customerUsers.phone(n));
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(paymentUrl.resolve("/v1/cards"))
                    .timeout(java.time.Duration.ofSeconds(30)).header("Authorization", steppedUp)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 201) {
                throw new BenchmarkException("registering customer " + n + "'s card answered " + answer.statusCode()
                        + ": " + Json.abbreviate(answer.body(), 300));
            }
            cards.set(n, Json.field(answer.body(), "id"));
            return null;
        });
    }

    /** A customer pays a merchant's static code, typing 2–500 yen; acknowledged ones may be refunded later. */
    DrillAck mpmPayment() throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int customer = random.nextInt(customers.count());
        int merchant = random.nextInt(merchants.size());
        long amount = random.nextLong(2, MAX_AMOUNT_YEN + 1);
        String key = key("m");
        String body = """
                {"payload":"%s","amount":{"amount":%d,"currency":"JPY"}}""".formatted(merchants.get(merchant)
                .payload(), amount);
        DrillAck ack = pay(MPM, customer, key, body, amount);
        if (ack != null && ack.status() == 201) { // only a completed payment can be refunded
            refundable.add(new Paid(ack.resourceId(), merchant, null, amount));
        }
        return ack;
    }

    /**
     * A merchant's till makes an order code of 2–500 yen ({@code POST /v1/codes}, keyed by its merchantPaymentId) and
     * a customer pays it; acknowledged ones may be canceled later. Null when either step was not acknowledged.
     */
    DrillAck orderPayment() throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int customer = random.nextInt(customers.count());
        int merchant = random.nextInt(merchants.size());
        long amount = random.nextLong(2, MAX_AMOUNT_YEN + 1);
        String merchantPaymentId = key("o");
        String codeBody = """
                {"merchantPaymentId":"%s","amount":{"amount":%d,"currency":"JPY"},"expiresInSeconds":600}"""
                .formatted(merchantPaymentId, amount);
        DrillClient.Outcome code = client.send(ORDER_CODE, () -> post("/v1/codes", tills.authorization(merchant),
                codeBody, null));
        if (!code.acknowledged()) {
            ended(ORDER_CODE, code, merchantPaymentId, merchants.get(merchant).id());
            return null;
        }
        String body = """
                {"payload":"%s"}""".formatted(Json.field(code.body(), "payload"));
        DrillAck ack = pay(ORDER_PAYMENT, customer, key("op"), body, amount);
        if (ack != null) {
            cancelable.add(new Paid(ack.resourceId(), merchant, merchantPaymentId, amount));
        }
        return ack;
    }

    /**
     * A merchant's till charges 2–500 yen to the code the longest idle device shows, the key as its merchantPaymentId;
     * null when no device could show a code (counted in {@link #notSent()}) or when not acknowledged.
     */
    DrillAck cpmPayment() throws InterruptedException {
        if (devices == null) {
            skipped(CPM);
            return null;
        }
        CpmDevices.Shown shown = devices.show(Instant.now());
        if (shown == null) {
            skipped(CPM);
            return null;
        }
        try {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int merchant = random.nextInt(merchants.size());
            long amount = random.nextLong(2, MAX_AMOUNT_YEN + 1);
            String key = key("c");
            String body = """
                    {"code":"%s","amount":{"amount":%d,"currency":"JPY"},"merchantPaymentId":"%s"}"""
                    .formatted(shown.code(), amount, key);
            String stored = "cpm/" + tills.subject(merchant) + "/" + key;
            String customerId = shown.device().customerId();
            DrillClient.Outcome outcome = client.send(CPM, () -> post("/v1/cpm-payments", tills.authorization(
                    merchant), body, key));
            DrillAck ack = acknowledged(CPM, outcome, stored, customerId, "paymentId", amount);
            if (ack != null) {
                cpmCancelable.add(new Paid(ack.resourceId(), merchant, key, amount));
            }
            return ack;
        } finally {
            devices.done(shown.device());
        }
    }

    /**
     * The till of an MPM payment's store refunds 1 yen of it (a completed payment acknowledged earlier, each refunded
     * once), keyed by a fresh merchantRefundId; null when none is waiting (counted in {@link #notSent()}).
     */
    DrillAck refund() throws InterruptedException {
        Paid paid = refundable.poll();
        if (paid == null) {
            skipped(REFUND);
            return null;
        }
        String merchantRefundId = key("r");
        String body = """
                {"merchantRefundId":"%s","paymentId":"%s","amount":{"amount":1,"currency":"JPY"},"reason":"drill"}"""
                .formatted(merchantRefundId, paid.paymentId());
        DrillClient.Outcome outcome = client.send(REFUND, () -> post("/v1/merchant/refunds", tills.authorization(
                paid.merchant()), body, null));
        return acknowledged(REFUND, outcome, merchantRefundId, merchants.get(paid.merchant()).id(), "refundId", 1);
    }

    /**
     * The till cancels an order payment acknowledged earlier (each once) by its merchantPaymentId; the ack's amount is
     * the payment's, its resourceId the payment's id (null when the order had no payment left to cancel).
     */
    DrillAck cancel() throws InterruptedException {
        return cancel(CANCEL, cancelable);
    }

    /**
     * As {@link #cancel}, for a CPM payment, as docs/payments.md says a till may. payment-service's {@code Cancels}
     * looks the merchantPaymentId up in {@code order_code} only, which CPM payments have no row in, so today this is
     * answered 404 {@code order-not-found} (recorded as a refusal).
     */
    DrillAck cancelCpm() throws InterruptedException {
        return cancel(CANCEL_CPM, cpmCancelable);
    }

    /**
     * A customer tops up 1–500 yen from the card {@link #setUpCards} registered, as long as its top-ups of this drill
     * stay within {@link #TOPUP_BUDGET_YEN}; null when no customer can (counted in {@link #notSent()}).
     */
    DrillAck topUp() throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long amount = random.nextLong(1, MAX_AMOUNT_YEN + 1);
        int start = random.nextInt(customers.count());
        int customer = -1;
        for (int i = 0; i < customers.count() && customer < 0; i++) {
            int candidate = (start + i) % customers.count();
            if (cards.get(candidate) != null && toppedUp.get(candidate) + amount <= TOPUP_BUDGET_YEN) {
                customer = candidate;
            }
        }
        if (customer < 0) {
            skipped(TOPUP);
            return null;
        }
        // Counted before it is sent: a top-up that is refused or given up still may have been counted by the engine.
        toppedUp.addAndGet(customer, amount);
        int n = customer;
        String key = key("t");
        String body = """
                {"cardId":"%s","amount":{"amount":%d,"currency":"JPY"}}""".formatted(cards.get(n), amount);
        DrillClient.Outcome outcome = client.send(TOPUP, () -> post("/v1/topups", customers.authorization(n), body,
                key));
        return acknowledged(TOPUP, outcome, key, customers.subject(n), "topupId", amount);
    }

    /** A customer sends 1–500 yen to one of its next {@link #P2P_RECIPIENTS} customers, by phone number. */
    DrillAck p2p() throws InterruptedException {
        if (customers.count() < 2) {
            skipped(P2P);
            return null;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int sender = random.nextInt(customers.count());
        int recipient = (sender + 1 + random.nextInt(Math.min(P2P_RECIPIENTS, customers.count() - 1)))
                % customers.count();
        long amount = random.nextLong(1, MAX_AMOUNT_YEN + 1);
        String key = key("p");
        String body = """
                {"phone":"%s","amount":{"amount":%d,"currency":"JPY"},"message":"drill"}""".formatted(customerUsers
                .phone(recipient), amount);
        DrillClient.Outcome outcome = client.send(P2P, () -> post("/v1/p2p-transfers", customers.authorization(
                sender), body, key));
        return acknowledged(P2P, outcome, key, customers.subject(sender), "transferId", amount);
    }

    /** Every acknowledged operation so far. */
    List<DrillAck> acks() {
        return List.copyOf(acks);
    }

    /** Every operation answered with a final refusal so far. */
    List<DrillRefusal> refusals() {
        return List.copyOf(refusals);
    }

    /** Operations not sent for want of actors (no device free, nothing to refund or cancel yet, budget spent). */
    Map<String, Long> notSent() {
        return sums(notSent);
    }

    /** Operations given up at {@link DrillClient#DEADLINE}: their outcome is unknown to the client. */
    Map<String, Long> givenUp() {
        return sums(givenUp);
    }

    private DrillAck cancel(String operation, ConcurrentLinkedQueue<Paid> queue) throws InterruptedException {
        Paid paid = queue.poll();
        if (paid == null) {
            skipped(operation);
            return null;
        }
        DrillClient.Outcome outcome = client.send(operation, () -> post("/v1/merchant/payments/"
                + paid.merchantPaymentId() + "/cancel", tills.authorization(paid.merchant()), "", null));
        String merchantId = merchants.get(paid.merchant()).id();
        if (!outcome.acknowledged()) {
            ended(operation, outcome, paid.merchantPaymentId(), merchantId);
            return null;
        }
        String paymentId = outcome.body().contains("\"payment\"") ? Json.field(outcome.body(), "paymentId") : null;
        DrillAck ack = new DrillAck(operation, paid.merchantPaymentId(), merchantId, outcome.status(), paymentId,
                paid.amount());
        acks.add(ack);
        return ack;
    }

    /** A payment (MPM or order) by customer {@code customer} under {@code key}. */
    private DrillAck pay(String operation, int customer, String key, String body, long amount)
            throws InterruptedException {
        DrillClient.Outcome outcome = client.send(operation, () -> post("/v1/payments", customers.authorization(
                customer), body, key));
        return acknowledged(operation, outcome, key, customers.subject(customer), "paymentId", amount);
    }

    /**
     * The ack of an answered operation, or null (and a refusal or a give-up recorded). The ack's status is 201 for
     * an answer whose body says COMPLETED (a replay answers 200), 202 for PENDING; a 2xx whose body says FAILED (a
     * replayed refund's) is a refusal.
     */
    private DrillAck acknowledged(String operation, DrillClient.Outcome outcome, String key, String subject,
            String idField, long amount) {
        if (!outcome.acknowledged()) {
            ended(operation, outcome, key, subject);
            return null;
        }
        String state = field(outcome.body(), "status");
        if ("FAILED".equals(state)) {
            refusals.add(new DrillRefusal(operation, key, subject, outcome.status(), field(outcome.body(),
                    "code")));
            return null;
        }
        int status = "COMPLETED".equals(state) ? 201 : "PENDING".equals(state) ? 202 : outcome.status();
        DrillAck ack = new DrillAck(operation, key, subject, status, field(outcome.body(), idField), amount);
        acks.add(ack);
        return ack;
    }

    /** Records how an operation that was not acknowledged ended. */
    private void ended(String operation, DrillClient.Outcome outcome, String key, String subject) {
        if (outcome.givenUp()) {
            givenUp.computeIfAbsent(operation, o -> new LongAdder()).increment();
        } else {
            refusals.add(new DrillRefusal(operation, key, subject, outcome.status(), field(outcome.body(), "code")));
        }
    }

    private void skipped(String operation) {
        notSent.computeIfAbsent(operation, o -> new LongAdder()).increment();
    }

    private String key(String kind) {
        return runId + "-" + kind + sequence.incrementAndGet();
    }

    private HttpRequest post(String path, String authorization, String json, String idempotencyKey) {
        HttpRequest.Builder request = DrillClient.request(paymentUrl.resolve(path))
                .header("Authorization", authorization)
                .POST(json.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (!json.isEmpty()) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.build();
    }

    /** A field of an answer, or null when it has none (a problem without {@code code}, an empty body). */
    private static String field(String json, String name) {
        if (json == null || !json.contains("\"" + name + "\"")) {
            return null;
        }
        try {
            return Json.field(json, name);
        } catch (BenchmarkException e) {
            return null;
        }
    }

    private static Map<String, Long> sums(Map<String, LongAdder> counts) {
        Map<String, Long> sums = new TreeMap<>();
        counts.forEach((operation, count) -> sums.put(operation, count.sum()));
        return sums;
    }
}
