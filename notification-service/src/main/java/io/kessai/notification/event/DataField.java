package io.kessai.notification.event;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** A field an event type requires in its {@code data}, with the rule its value must satisfy. */
public enum DataField {

    // One constant per paragraph: the formatter keeps blank lines but joins adjacent constants into a staircase.

    CODE("code", "4 to 10 digits", v -> v instanceof String s && Rules.DIGITS.matcher(s).matches()),

    TTL_SECONDS("ttlSeconds", "an integer from 30 to 3600", v -> v instanceof Integer i && i >= 30 && i <= 3600),

    DEVICE_NAME("deviceName", "text of 1 to 80 characters", v -> Rules.isText(v, 80)),

    PAYMENT_ID("paymentId", "an id of 1 to 64 characters", v -> Rules.isText(v, 64)),

    TOPUP_ID("topupId", "an id of 1 to 64 characters", v -> Rules.isText(v, 64)),

    TRANSFER_ID("transferId", "an id of 1 to 64 characters", v -> Rules.isText(v, 64)),

    MERCHANT_NAME("merchantName", "text of 1 to 80 characters", v -> Rules.isText(v, 80)),

    SENDER_NAME("senderName", "text of 1 to 80 characters", v -> Rules.isText(v, 80)),

    RECIPIENT_NAME("recipientName", "text of 1 to 80 characters", v -> Rules.isText(v, 80)),

    /** Which second factor or recovery setting changed (security.factor_changed); each value has its own text. */
    FACTOR("factor", "one of " + String.join(", ", Rules.FACTORS), Rules.FACTORS::contains),

    AMOUNT("amount", "money: {\"amount\": a positive integer of yen, \"currency\": \"JPY\"}", Rules::isYen);

    private final String key;
    private final String rule;
    private final Predicate<Object> accepts;

    DataField(String key, String rule, Predicate<Object> accepts) {
        this.key = key;
        this.rule = rule;
        this.accepts = accepts;
    }

    public String key() {
        return key;
    }

    /** The values {@link #FACTOR} accepts, in the order the docs list them; every one needs its own text. */
    public static List<String> factorValues() {
        return Rules.FACTORS;
    }

    /** Why the value in {@code data} is unacceptable, if it is. */
    public Optional<String> problemWith(Map<String, Object> data) {
        Object value = data == null ? null : data.get(key);
        if (value == null) {
            return Optional.of("is required: " + rule);
        }
        return accepts.test(value) ? Optional.empty() : Optional.of("must be " + rule);
    }

    private static final class Rules {

        static final Pattern DIGITS = Pattern.compile("\\d{4,10}");

        static final List<String> FACTORS = List.of("totp_enabled", "totp_disabled", "recovery_codes_replaced",
                "email_changed");

        static boolean isText(Object value, int maxLength) {
            return value instanceof String s && !s.isBlank() && s.length() <= maxLength
                    && s.codePoints().noneMatch(Character::isISOControl);
        }

        static boolean isYen(Object value) {
            return value instanceof Map<?, ?> money && money.size() == 2
                    && (money.get("amount") instanceof Integer || money.get("amount") instanceof Long)
                    && ((Number) money.get("amount")).longValue() > 0
                    && "JPY".equals(money.get("currency"));
        }
    }
}
