package io.kessai.payment.qr;

import io.kessai.common.problem.ProblemException;

/**
 * The refusals of a QR payload, one problem type each. A payload that breaks the EMVCo syntax (or a value's shape) is a
 * bad request, 400; one that is well-formed but cannot be paid with Kessai (another network's code, another currency)
 * is 422. The order in which the rules are checked, so that a payload always gets the same answer, is in
 * docs/payments.md.
 *
 * <p>A detail names tags and positions, never the payload's values: what was scanned may be anything, and it is not
 * ours to echo back into logs and screens.
 */
public enum QrProblem {

    TOO_LONG(400, "qr-too-long", "QR payload too long"), MALFORMED(400, "qr-malformed",
            "Malformed QR payload"), BAD_ORDER(400, "qr-bad-order", "QR tags out of order"), BAD_CRC(400, "qr-bad-crc",
                    "QR checksum mismatch"), DUPLICATE_TAG(400, "qr-duplicate-tag", "Duplicate QR tag"), MISSING_TAG(
                            400, "qr-missing-tag",
                            "Missing QR tag"), BAD_VALUE(400, "qr-bad-value", "Invalid QR value"), FOREIGN(422,
                                    "qr-foreign", "Not a Kessai QR code"), WRONG_CURRENCY(422, "qr-wrong-currency",
                                            "Unsupported QR currency");

    private final int status;
    private final String code;
    private final String title;

    QrProblem(int status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    public ProblemException exception(String detail) {
        return new ProblemException(status, code, title, detail);
    }
}
