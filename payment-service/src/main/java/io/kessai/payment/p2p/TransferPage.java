package io.kessai.payment.p2p;

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
 * A page of the caller's transfers, sent and received, newest first, and the cursor of the next page (null on the
 * last): the position after the page's last transfer, so transfers made meanwhile never shift a page.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TransferPage(List<TransferView> items, String nextCursor) {

    record Position(OffsetDateTime createdAt, UUID id) {
    }

    static String cursorAfter(TransferView last) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, last.createdAt().toInstant());
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((micros + ":" + last.transferId()).getBytes(StandardCharsets.UTF_8));
    }

    /** The position a cursor names, or null for the first page; 400 for a cursor this service did not make. */
    static Position position(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            Instant at = Instant.EPOCH.plus(Long.parseLong(text.substring(0, colon)), ChronoUnit.MICROS);
            return new Position(at.atOffset(ZoneOffset.UTC), UUID.fromString(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new ProblemException(400, ProblemCodes.INVALID_CURSOR, "Invalid cursor",
                    "The cursor is not one this API gave out; start from the first page.");
        }
    }
}
