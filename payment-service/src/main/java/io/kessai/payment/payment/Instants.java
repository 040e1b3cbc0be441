package io.kessai.payment.payment;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

import io.kessai.common.problem.ProblemException;

/** Query parameters that are instants: ISO-8601 with an offset ({@code 2026-12-01T12:00:00+09:00}); else 400. */
final class Instants {

    private Instants() {
    }

    static OffsetDateTime parse(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalidField(name, "must be an ISO-8601 instant with an offset, e.g. "
                    + "2026-12-01T12:00:00+09:00");
        }
    }
}
