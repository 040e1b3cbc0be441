package io.kessai.payment.qr;

import java.util.List;

import io.kessai.common.problem.ProblemType;

/**
 * The refusals of a QR payload, one problem type each. A payload that breaks the EMVCo syntax (or a value's shape) is a
 * bad request, 400; one that is well-formed but cannot be paid with Kessai (another network's code, another currency)
 * is 422. The order in which the rules are checked, so that a payload always gets the same answer, is in
 * docs/payments.md.
 *
 * <p>A detail names tags and positions, never the payload's values: what was scanned may be anything, and it is not
 * ours to echo back into logs and screens.
 */
public final class QrProblem {

    public static final ProblemType TOO_LONG = new ProblemType(400, "qr-too-long", "QR payload too long");
    public static final ProblemType MALFORMED = new ProblemType(400, "qr-malformed", "Malformed QR payload");
    public static final ProblemType BAD_ORDER = new ProblemType(400, "qr-bad-order", "QR tags out of order");
    public static final ProblemType BAD_CRC = new ProblemType(400, "qr-bad-crc", "QR checksum mismatch");
    public static final ProblemType DUPLICATE_TAG = new ProblemType(400, "qr-duplicate-tag", "Duplicate QR tag");
    public static final ProblemType MISSING_TAG = new ProblemType(400, "qr-missing-tag", "Missing QR tag");
    public static final ProblemType BAD_VALUE = new ProblemType(400, "qr-bad-value", "Invalid QR value");
    public static final ProblemType FOREIGN = new ProblemType(422, "qr-foreign", "Not a Kessai QR code");
    public static final ProblemType WRONG_CURRENCY = new ProblemType(422, "qr-wrong-currency",
            "Unsupported QR currency");

    /** Every refusal of a payload, in the order its rules are checked. */
    public static final List<ProblemType> ALL = List.of(TOO_LONG, MALFORMED, BAD_ORDER, BAD_CRC, DUPLICATE_TAG,
            MISSING_TAG, BAD_VALUE, FOREIGN, WRONG_CURRENCY);

    private QrProblem() {
    }
}
