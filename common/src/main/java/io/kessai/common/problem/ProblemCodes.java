package io.kessai.common.problem;

/** Problem codes every service shares; each service adds its own domain codes next to its features. */
public final class ProblemCodes {

    public static final String VALIDATION_FAILED = "validation-failed";
    public static final String MALFORMED_BODY = "malformed-body";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String FORBIDDEN = "forbidden";
    public static final String NOT_FOUND = "not-found";
    /** A list's {@code cursor} that the API did not give out (docs/api.md, "Pagination"). */
    public static final String INVALID_CURSOR = "invalid-cursor";
    public static final String INTERNAL_ERROR = "internal-error";

    private ProblemCodes() {
    }
}
