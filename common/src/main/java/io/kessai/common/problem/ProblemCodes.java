package io.kessai.common.problem;

/** Problem codes every service shares; each service adds its own domain codes next to its features. */
public final class ProblemCodes {

    public static final String VALIDATION_FAILED = "validation-failed";
    public static final String MALFORMED_BODY = "malformed-body";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String FORBIDDEN = "forbidden";
    public static final String NOT_FOUND = "not-found";
    public static final String INTERNAL_ERROR = "internal-error";

    private ProblemCodes() {
    }
}
