package io.kessai.common.problem;

import java.util.List;
import java.util.Map;

/**
 * Thrown by service code to answer with a specific problem: a status, a stable code and a human detail.
 *
 * <p>The message is the detail shown to the caller, so it must never contain internal names or secrets.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String code;
    private final String title;
    private final List<Problem.FieldError> errors;
    private final Map<String, String> headers;

    public ProblemException(int status, String code, String title, String detail) {
        this(status, code, title, detail, List.of(), Map.of());
    }

    public ProblemException(int status, String code, String title, String detail, List<Problem.FieldError> errors,
            Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.headers = Map.copyOf(headers);
    }

    /**
     * 400 {@code validation-failed} naming one field, shaped like Bean Validation's own answer: for rules that
     * annotations cannot express (a limit from configuration, a relation between fields).
     */
    public static ProblemException invalidField(String field, String detail) {
        return new ProblemException(400, ProblemCodes.VALIDATION_FAILED, "Request validation failed", detail,
                List.of(new Problem.FieldError(field, detail)), Map.of());
    }

    /**
     * 503 {@code service-unavailable} with the same Retry-After as every other "not now" answer: a bounded resource
     * (a worker pool, a bulkhead) is full. Nothing was changed; the caller retries.
     */
    public static ProblemException unavailable(String detail) {
        return new ProblemException(503, "service-unavailable", "Service unavailable", detail, List.of(),
                Map.of("Retry-After", DependencyUnavailable.RETRY_AFTER_SECONDS));
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

    public List<Problem.FieldError> errors() {
        return errors;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
