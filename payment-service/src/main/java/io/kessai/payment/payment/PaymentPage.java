package io.kessai.payment.payment;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;

/**
 * A page of payments, newest first, and the cursor of the next page (null on the last). The cursor is the position
 * after the page's last payment (its time and id), so payments made meanwhile never shift a page.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PaymentPage(List<PaymentView> items, String nextCursor) {

    /** Where a page starts: after the payment made at {@code createdAt} with {@code id}. */
    record Position(OffsetDateTime createdAt, UUID id) {
    }

    static String cursorAfter(PaymentView last) {
        Instant at = last.createdAt().toInstant();
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, at);
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((micros + ":" + last.paymentId()).getBytes(StandardCharsets.UTF_8));
    }

    /** The position a cursor names, or null for the first page; 400 for a cursor this service did not make. */
    static Position position(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            long micros = Long.parseLong(text.substring(0, colon));
            Instant at = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
            return new Position(at.atOffset(ZoneOffset.UTC), UUID.fromString(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new ProblemException(400, ProblemCodes.INVALID_CURSOR, "Invalid cursor",
                    "The cursor is not one this API gave out; start from the first page.");
        }
    }
}
