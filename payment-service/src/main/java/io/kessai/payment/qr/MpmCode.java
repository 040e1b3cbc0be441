package io.kessai.payment.qr;

import io.kessai.common.problem.ProblemException;

/**
 * What a Kessai merchant-presented code says: which merchant (or store) to pay, how it shows on the payer's screen and,
 * for an order's dynamic code, how much and for which order. A value only: whether the merchant is active or the
 * order still open is for the payment flow to decide.
 *
 * <p>Every rule on the fields is checked here, so a code built for encoding and a code read from a payload obey the
 * same rules; a broken rule is the {@link QrProblem} a payload breaking it would get.
 *
 * @param kind static (one code per store, the payer enters the amount) or dynamic (one code per order)
 * @param merchantReference the merchant or store this code pays, sub-tag 01 of our merchant account template: 1 to
 *        {@value #MAX_MERCHANT_REFERENCE_LENGTH} visible ASCII characters
 * @param merchantCategoryCode ISO 18245, 4 digits (tag 52)
 * @param merchantName shown to the payer, any script, 1 to {@value #MAX_NAME_LENGTH} characters (tag 59)
 * @param merchantCity 1 to {@value #MAX_CITY_LENGTH} characters (tag 60)
 * @param amountYen whole yen, above zero, for a dynamic code; null for a static code (tag 54)
 * @param referenceLabel the order, for a dynamic code (required) or a static one (optional): 1 to
 *        {@value #MAX_LABEL_LENGTH} visible ASCII characters (tag 62, sub-tag 05)
 * @param terminalLabel the till or terminal, optional, same shape (tag 62, sub-tag 07)
 */
public record MpmCode(Kind kind, String merchantReference, String merchantCategoryCode, String merchantName,
        String merchantCity, Long amountYen, String referenceLabel, String terminalLabel) {

    /** So that our merchant account template fits its 99 characters with any GUID of up to 32. */
    public static final int MAX_MERCHANT_REFERENCE_LENGTH = 59;
    public static final int MAX_NAME_LENGTH = 25;
    public static final int MAX_CITY_LENGTH = 15;
    public static final int MAX_LABEL_LENGTH = 25;
    /** Tag 54 holds at most 13 characters: for yen, 13 digits. */
    public static final long MAX_AMOUNT_YEN = 9_999_999_999_999L;

    /** EMVCo's point of initiation method (tag 01). */
    public enum Kind {

        STATIC("11"), DYNAMIC("12");

        private final String pointOfInitiation;

        Kind(String pointOfInitiation) {
            this.pointOfInitiation = pointOfInitiation;
        }

        public String pointOfInitiation() {
            return pointOfInitiation;
        }
    }

    public MpmCode {
        if (kind == null) {
            throw missing("Tag 01 (point of initiation method)");
        }
        if (merchantReference == null) {
            throw missing("Sub-tag 01 (merchant reference) of the Kessai merchant account template");
        }
        if (!PayloadText.isVisibleAscii(merchantReference)
                || merchantReference.length() > MAX_MERCHANT_REFERENCE_LENGTH) {
            throw QrProblem.BAD_VALUE.exception("The merchant reference must be 1 to " + MAX_MERCHANT_REFERENCE_LENGTH
                    + " visible ASCII characters.");
        }
        if (merchantCategoryCode == null) {
            throw missing("Tag 52 (merchant category code)");
        }
        if (merchantCategoryCode.length() != 4 || !PayloadText.isDigits(merchantCategoryCode)) {
            throw QrProblem.BAD_VALUE.exception("Tag 52 (merchant category code) must be 4 digits.");
        }
        checkDisplayText(merchantName, MAX_NAME_LENGTH, "Tag 59 (merchant name)");
        checkDisplayText(merchantCity, MAX_CITY_LENGTH, "Tag 60 (merchant city)");
        if (kind == Kind.STATIC && amountYen != null) {
            throw QrProblem.BAD_VALUE.exception("A static code carries no amount (tag 54).");
        }
        if (kind == Kind.DYNAMIC && amountYen == null) {
            throw missing("Tag 54 (transaction amount), which a dynamic code needs,");
        }
        if (amountYen != null && (amountYen < 1 || amountYen > MAX_AMOUNT_YEN)) {
            throw QrProblem.BAD_VALUE.exception("Tag 54 (transaction amount) must be 1 to " + MAX_AMOUNT_YEN + " yen.");
        }
        if (kind == Kind.DYNAMIC && referenceLabel == null) {
            throw missing("Sub-tag 05 (reference label) of tag 62, which a dynamic code needs,");
        }
        checkLabel(referenceLabel, "Sub-tag 05 (reference label) of tag 62");
        checkLabel(terminalLabel, "Sub-tag 07 (terminal label) of tag 62");
    }

    /** A store's static code: the payer enters the amount. */
    public static MpmCode forStore(String merchantReference, String merchantCategoryCode, String merchantName,
            String merchantCity, String terminalLabel) {
        return new MpmCode(Kind.STATIC, merchantReference, merchantCategoryCode, merchantName, merchantCity, null, null,
                terminalLabel);
    }

    /** An order's dynamic code: the amount and the order are in the code. */
    public static MpmCode forOrder(String merchantReference, String merchantCategoryCode, String merchantName,
            String merchantCity, long amountYen, String referenceLabel, String terminalLabel) {
        return new MpmCode(Kind.DYNAMIC, merchantReference, merchantCategoryCode, merchantName, merchantCity,
                amountYen, referenceLabel, terminalLabel);
    }

    /**
     * Whether {@code text} may be shown as a merchant name or city of at most {@code max} characters (counted as the
     * payload counts them), e.g. to check a merchant's names before any code is made with them.
     */
    public static boolean isDisplayable(String text, int max) {
        return text != null && PayloadText.isDisplayText(text) && PayloadText.length(text) <= max;
    }

    private static void checkDisplayText(String text, int max, String what) {
        if (text == null) {
            throw missing(what);
        }
        if (!isDisplayable(text, max)) {
            throw QrProblem.BAD_VALUE.exception(what + " must be 1 to " + max
                    + " characters, not blank, without control or format characters.");
        }
    }

    private static void checkLabel(String label, String what) {
        if (label != null && (!PayloadText.isVisibleAscii(label) || label.length() > MAX_LABEL_LENGTH)) {
            throw QrProblem.BAD_VALUE.exception(what + " must be 1 to " + MAX_LABEL_LENGTH
                    + " visible ASCII characters.");
        }
    }

    private static ProblemException missing(String what) {
        return QrProblem.MISSING_TAG.exception(what + " is missing.");
    }
}
