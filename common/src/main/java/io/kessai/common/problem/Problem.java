package io.kessai.common.problem;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * An RFC 9457 problem document: the only shape of error body any Kessai service returns.
 *
 * <p>{@code type} is stable per error code and documented in docs/api.md; {@code code} repeats its last
 * segment for clients that prefer a short token; {@code errors} lists field-level validation failures.
 *
 * <p>Registered for reflection: the exception mappers, EarlyProblems, Drain and payment-service's LoadShedding write
 * it by hand or inside a {@code Response}, where Quarkus cannot see its type (docs/native.md).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(
        URI type,
        String title,
        int status,
        String detail,
        String instance,
        String code,
        List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** Base of every problem {@code type}; the code is appended. */
    public static final String TYPE_BASE = "https://kessai.io/problems/";

    public static URI typeOf(String code) {
        return URI.create(TYPE_BASE + code);
    }

    public static Problem of(int status, String code, String title, String detail, String instance,
            List<FieldError> errors) {
        return new Problem(typeOf(code), title, status, detail, instance, code, errors);
    }

    @RegisterForReflection
    public record FieldError(String field, String message) {
    }
}
