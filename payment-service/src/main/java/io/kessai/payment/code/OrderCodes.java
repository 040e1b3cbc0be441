package io.kessai.payment.code;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.payment.Money;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.merchant.MerchantProblem;
import io.kessai.payment.merchant.MerchantStatus;
import io.kessai.payment.merchant.Payee;
import io.kessai.payment.qr.MpmCode;
import io.kessai.payment.qr.MpmCodec;
import io.kessai.payment.qr.PayDeeplink;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Merchant-presented codes: a store's static code (the customer types the amount) and the dynamic order codes a till
 * creates under the merchant's own {@code merchantPaymentId}. A till acts only for the store its token names; an
 * order code is paid at most once, can be deleted while unpaid, and expires at its {@code expiresAt} (read from the
 * row, so no sweeper has to run for a code to stop being payable).
 */
@ApplicationScoped
public class OrderCodes {

    /** Crockford's base32 without look-alikes: 20 characters carry 100 random bits. */
    private static final char[] REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final int REFERENCE_LENGTH = 20;
    private static final String COLUMNS = "o.id, o.merchant_id, o.store_id, o.terminal_id, o.merchant_payment_id, "
            + "o.reference, o.amount, o.currency, o.description, o.status, o.payment_id, o.expires_at, o.created_at, "
            + "o.expires_at <= now() AS expired, m.display_name, m.city, m.category_code";

    private final Pool pool;
    private final MpmCodec codec;
    private final PayDeeplink deeplink;
    private final PaymentConfig.Codes config;
    private final SecureRandom random = new SecureRandom();

    OrderCodes(Pool pool, MpmCodec codec, PayDeeplink deeplink, PaymentConfig config) {
        this.pool = pool;
        this.codec = codec;
        this.deeplink = deeplink;
        this.config = config.codes();
    }

    public record Created(OrderCodeView code, boolean replayed) {
    }

    /** A store's static code, for its owner or one of its tills (then with the terminal label). */
    public record StoreCode(UUID merchantId, UUID storeId, String terminalId, String payload, String deeplink) {
    }

    /**
     * Creates the order code for {@code request} at the till's store, or answers the code created before under the
     * same {@code merchantPaymentId} when the body is the same (a till retrying); another body is 409.
     */
    public Uni<Created> create(Callers.Till till, OrderCodeRequest request) {
        Duration expiry = expiryOf(request.expiresInSeconds());
        String sha256 = RequestDigest.sha256(List.of(till.storeId().toString(), request.amount().amount(),
                expiry.toSeconds(), request.description() == null ? "" : request.description()));
        UUID id = TimeOrderedUuid.next();
        return pool.withTransaction(tx -> payableStore(tx, till.merchantId(), till.storeId())
                .flatMap(payee -> tx.preparedQuery("INSERT INTO order_code (id, merchant_id, store_id, terminal_id, "
                        + "created_by, merchant_payment_id, request_sha256, reference, amount, currency, description, "
                        + "status, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'created', "
                        + "now() + make_interval(secs => $12)) "
                        + "ON CONFLICT (merchant_id, merchant_payment_id) DO NOTHING RETURNING id")
                        .execute(Tuple.from(Arrays.asList(id, till.merchantId(), till.storeId(), till.terminalId(),
                                till.tillId(), request.merchantPaymentId(), sha256, reference(),
                                request.amount().amount(), Money.YEN, description(request),
                                (double) expiry.toSeconds())))
                        .flatMap(inserted -> inserted.size() == 1
                                ? read(tx, till.merchantId(), request.merchantPaymentId())
                                        .map(code -> new Created(code, false))
                                : replay(tx, till, request.merchantPaymentId(), sha256))));
    }

    private static String description(OrderCodeRequest request) {
        return request.description() == null ? null : request.description().strip();
    }

    private Uni<Created> replay(SqlClient tx, Callers.Till till, String merchantPaymentId, String sha256) {
        return tx.preparedQuery("SELECT request_sha256 FROM order_code WHERE merchant_id = $1 "
                + "AND merchant_payment_id = $2").execute(Tuple.of(till.merchantId(), merchantPaymentId))
                .flatMap(rows -> {
                    if (!rows.iterator().next().getString("request_sha256").equals(sha256)) {
                        throw CodeProblem.MERCHANT_PAYMENT_ID_REUSED.exception("merchantPaymentId "
                                + merchantPaymentId + " already names another order of this merchant; use a new id "
                                + "for a new order.");
                    }
                    return read(tx, till.merchantId(), merchantPaymentId).map(code -> new Created(code, true));
                });
    }

    /** An order of the till's store by its merchantPaymentId; another store's or merchant's answers 404. */
    public Uni<OrderCodeView> ofTill(Callers.Till till, String merchantPaymentId) {
        return read(pool, till.merchantId(), merchantPaymentId).map(code -> {
            if (code == null || !code.storeId().equals(till.storeId())) {
                throw notFound(merchantPaymentId);
            }
            return code;
        });
    }

    /** Deletes an unpaid order: it can never be paid afterwards. Deleting a deleted one answers it again. */
    public Uni<OrderCodeView> delete(Callers.Till till, String merchantPaymentId) {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT store_id, status, payment_id FROM order_code "
                + "WHERE merchant_id = $1 AND merchant_payment_id = $2 FOR UPDATE")
                .execute(Tuple.of(till.merchantId(), merchantPaymentId))
                .flatMap(rows -> {
                    if (rows.size() == 0 || !rows.iterator().next().getUUID("store_id").equals(till.storeId())) {
                        throw notFound(merchantPaymentId);
                    }
                    Row row = rows.iterator().next();
                    if ("deleted".equals(row.getString("status"))) {
                        return read(tx, till.merchantId(), merchantPaymentId);
                    }
                    if (!"created".equals(row.getString("status")) || row.getUUID("payment_id") != null) {
                        throw CodeProblem.ORDER_NOT_DELETABLE.exception("Order " + merchantPaymentId
                                + " is paid or being paid; cancel or refund its payment instead.");
                    }
                    return tx.preparedQuery("UPDATE order_code SET status = 'deleted', deleted_at = now() "
                            + "WHERE merchant_id = $1 AND merchant_payment_id = $2")
                            .execute(Tuple.of(till.merchantId(), merchantPaymentId))
                            .flatMap(done -> read(tx, till.merchantId(), merchantPaymentId));
                }));
    }

    /** The static code of a store, printed at the counter; the terminal label is optional. */
    public Uni<StoreCode> storeCode(UUID merchantId, UUID storeId, String terminalId) {
        return payableStore(pool, merchantId, storeId).map(payee -> {
            String payload = codec.encode(MpmCode.forStore(storeId.toString(), payee.categoryCode(),
                    payee.displayName(), payee.city(), terminalId));
            return new StoreCode(merchantId, storeId, terminalId, payload, deeplink.link(payload));
        });
    }

    /** A store of the merchant that may take payments now: 404 for another merchant's, 409 for a frozen merchant. */
    private static Uni<Payee> payableStore(SqlClient client, UUID merchantId, UUID storeId) {
        return client.preparedQuery("SELECT " + Payee.COLUMNS + " FROM store s JOIN merchant m ON m.id = s.merchant_id "
                + "WHERE s.id = $1 AND m.id = $2").execute(Tuple.of(storeId, merchantId)).map(rows -> {
                    if (rows.size() == 0 || !Payee.of(rows.iterator().next()).storeActive()) {
                        throw MerchantProblem.STORE_NOT_FOUND.exception("No open store " + storeId + " of merchant "
                                + merchantId + ".");
                    }
                    Payee payee = Payee.of(rows.iterator().next());
                    if (payee.merchantStatus() == MerchantStatus.FROZEN) {
                        throw MerchantProblem.MERCHANT_FROZEN.exception("Merchant " + merchantId
                                + " is frozen and takes no payments; contact Kessai support.");
                    }
                    if (payee.merchantStatus() != MerchantStatus.ACTIVE) {
                        throw MerchantProblem.MERCHANT_NOT_ACTIVE.exception("Merchant " + merchantId + " is "
                                + payee.merchantStatus().wire() + "; only an approved merchant takes payments.");
                    }
                    return payee;
                });
    }

    private Duration expiryOf(Long seconds) {
        if (seconds == null) {
            return config.defaultExpiry();
        }
        Duration asked = Duration.ofSeconds(seconds);
        if (asked.compareTo(config.minExpiry()) < 0 || asked.compareTo(config.maxExpiry()) > 0) {
            throw ProblemException.invalidField("expiresInSeconds", "must be between " + config.minExpiry().toSeconds()
                    + " and " + config.maxExpiry().toSeconds() + " seconds");
        }
        return asked;
    }

    private String reference() {
        char[] reference = new char[REFERENCE_LENGTH];
        for (int i = 0; i < reference.length; i++) {
            reference[i] = REFERENCE_ALPHABET[random.nextInt(REFERENCE_ALPHABET.length)];
        }
        return new String(reference);
    }

    private Uni<OrderCodeView> read(SqlClient client, UUID merchantId, String merchantPaymentId) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM order_code o JOIN merchant m ON m.id = o.merchant_id "
                + "WHERE o.merchant_id = $1 AND o.merchant_payment_id = $2")
                .execute(Tuple.of(merchantId, merchantPaymentId))
                .map(rows -> rows.size() == 0 ? null : view(rows.iterator().next()));
    }

    private OrderCodeView view(Row row) {
        String status = row.getString("status");
        boolean expired = row.getBoolean("expired");
        String shown = switch (status) {
            case "paid" -> "PAID";
            case "deleted" -> "DELETED";
            default -> expired && row.getUUID("payment_id") == null ? "EXPIRED" : "CREATED";
        };
        String payload = null;
        if ("CREATED".equals(shown)) {
            payload = codec.encode(MpmCode.forOrder(row.getUUID("store_id").toString(), row.getString("category_code"),
                    row.getString("display_name"), row.getString("city"), row.getLong("amount"),
                    row.getString("reference"), row.getString("terminal_id")));
        }
        String merchantPaymentId = row.getString("merchant_payment_id");
        return new OrderCodeView(row.getUUID("id"), merchantPaymentId, shown,
                new Money(row.getLong("amount"), row.getString("currency")), row.getString("description"),
                row.getUUID("merchant_id"), row.getUUID("store_id"), row.getString("terminal_id"),
                row.getUUID("payment_id"), row.getOffsetDateTime("expires_at"), row.getOffsetDateTime("created_at"),
                payload, payload == null ? null : deeplink.link(payload),
                payload == null ? null : "/v1/codes/" + merchantPaymentId + "/qr.png");
    }

    private static ProblemException notFound(String merchantPaymentId) {
        return CodeProblem.ORDER_NOT_FOUND.exception("No order " + merchantPaymentId + " at this store.");
    }
}
