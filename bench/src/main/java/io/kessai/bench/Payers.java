package io.kessai.bench;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Who pays in a payments load, and how: customers who scan a merchant's static code and send it with the amount
 * (MPM, {@code POST /v1/payments} with the customer's token), or tills that charge the code a customer's device shows
 * (CPM, {@code POST /v1/cpm-payments} with the till's token; the device derived the code offline).
 *
 * @param mode "MPM" or "CPM"
 * @param path the endpoint payments are posted to
 * @param merchants how many merchants can be paid (merchant 0 is the hot one)
 * @param tokens the tokens the payments carry, renewed before each Gatling run so that no renewal falls in a phase
 * @param requests makes each payment's request
 * @param shortfall why {@link #request} gave none, for the report
 */
record Payers(String mode, String path, int merchants, FreshTokens tokens, Requests requests, String shortfall) {

    /** A payment's request, whose payment it is for the exactly-once check, and what to run once it is answered. */
    record Request(String authorization, String body, String customerId, String storedKey, Runnable done) {
    }

    /** Makes the requests of payments. */
    interface Requests {

        /** The request of a payment to {@code merchant} under {@code key}, or null when no payer can pay now. */
        Request request(int merchant, String key);
    }

    /**
     * The request of a payment to {@code merchant} under {@code key}, or null when no payer can pay now; its
     * {@code done} is run when the answer came, or when none will.
     */
    Request request(int merchant, String key) {
        return requests.request(merchant, key);
    }

    /** A customer chosen at random pays the merchant's static store code, with the amount typed in. */
    static Payers mpm(FreshTokens customers, List<PaymentSetup.Merchant> merchants) {
        List<String> bodies = merchants.stream().map(merchant -> """
                {"payload":"%s","amount":{"amount":1,"currency":"JPY"}}""".formatted(merchant.payload())).toList();
        return new Payers("MPM", "/v1/payments", bodies.size(), customers, (merchant, key) -> {
            int customer = ThreadLocalRandom.current().nextInt(customers.count());
            return new Request(customers.authorization(customer), bodies.get(merchant), customers.subject(customer),
                    key, () -> {
                    });
        }, "no customer");
    }

    /**
     * The merchant's till charges the code the longest idle device shows now, with the payment's key as its
     * {@code merchantPaymentId}; payment-service keeps the till's key as {@code cpm/<till>/<key>}.
     */
    static Payers cpm(CpmDevices devices, FreshTokens tills) {
        String shortfall = String.format(Locale.ROOT, "every one of the %,d devices was at a till or had shown its"
                + " 100 codes of this time step (at most %,.0f codes/s): raise cpmCustomers", devices.count(),
                devices.maxCodesPerSecond());
        return new Payers("CPM", "/v1/cpm-payments", tills.count(), tills, (merchant, key) -> {
            CpmDevices.Shown shown = devices.show(Instant.now());
            if (shown == null) {
                return null;
            }
            String body = """
                    {"code":"%s","amount":{"amount":1,"currency":"JPY"},"merchantPaymentId":"%s"}"""
                    .formatted(shown.code(), key);
            return new Request(tills.authorization(merchant), body, shown.device().customerId(),
                    "cpm/" + tills.subject(merchant) + "/" + key, () -> devices.done(shown.device()));
        }, shortfall);
    }
}
