package io.kessai.payment.qr;

/**
 * How an MPM payload counts and judges its characters. EMVCo lengths count characters, not bytes and not Java's UTF-16
 * units: a name with 𠮷 (one character outside the Basic Multilingual Plane) is one character shorter than Java's
 * {@code length()} says, so every length here is a count of code points.
 */
final class PayloadText {

    private PayloadText() {
    }

    static int length(String text) {
        return text.codePointCount(0, text.length());
    }

    static boolean isDigit(int codePoint) {
        // Not Character.isDigit: it accepts full-width and other scripts' digits, which EMVCo's "N" format does not.
        return codePoint >= '0' && codePoint <= '9';
    }

    static boolean isDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(PayloadText::isDigit);
    }

    static boolean isHexDigits(String text) {
        return !text.isEmpty() && text.chars()
                .allMatch(c -> isDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'));
    }

    /** Letters, digits and punctuation of ASCII, no space: references, labels and identifiers we write. */
    static boolean isVisibleAscii(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c > 0x20 && c < 0x7F);
    }

    /**
     * Text a customer reads on the payment screen (merchant name and city), in any script: not blank, and without
     * control or format characters, which could hide or reorder what is shown (a right-to-left override, a zero-width
     * space).
     */
    static boolean isDisplayText(String text) {
        return !text.isBlank() && text.codePoints().allMatch(c -> !Character.isISOControl(c)
                && Character.getType(c) != Character.FORMAT && Character.getType(c) != Character.SURROGATE);
    }

    /** Whether a character may appear in a payload at all: no control characters, no half of a surrogate pair on its own. */
    static boolean isPayloadCharacter(int codePoint) {
        return !Character.isISOControl(codePoint) && Character.getType(codePoint) != Character.SURROGATE;
    }
}
