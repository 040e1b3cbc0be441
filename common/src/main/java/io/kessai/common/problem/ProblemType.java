package io.kessai.common.problem;

import java.util.List;
import java.util.Map;

/**
 * One problem type: its HTTP status, its code (the last segment of its {@code type} URI) and its title. A service
 * declares its refusals as constants of this type, one per refusal, and raises them with {@link #exception}; the
 * types every service shares are here.
 */
public record ProblemType(int status, String code, String title) {

    public static final ProblemType MISSING_IDEMPOTENCY_KEY = new ProblemType(400, "missing-idempotency-key",
            "Idempotency-Key required");
    public static final ProblemType IDEMPOTENCY_KEY_REUSED = new ProblemType(422, "idempotency-key-reused",
            "Idempotency key reused");
    public static final ProblemType INVALID_CURSOR = new ProblemType(400, ProblemCodes.INVALID_CURSOR,
            "Invalid cursor");

    public ProblemException exception(String detail) {
        return new ProblemException(status, code, title, detail);
    }

    /** The same refusal, naming the request field it concerns (e.g. {@code legs[1].amount}). */
    public ProblemException exception(String detail, String field) {
        return new ProblemException(status, code, title, detail, List.of(new Problem.FieldError(field, detail)),
                Map.of());
    }
}
