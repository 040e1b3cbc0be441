package io.kessai.payment.risk;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;

/**
 * A stored decision as ops read it: the movement, the outcome, every reason with the figures its rule used, and the
 * review of a step-up ({@code open}, {@code stepped_up}, {@code approved}, {@code denied}, {@code expired},
 * {@code canceled}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DecisionView(UUID decisionId, String movementKind, UUID movementId, String customerId, long amount,
        UUID merchantId, String recipientId, String deviceId, UUID fundingSourceId, boolean offline, String outcome,
        List<Map<String, Object>> reasons, String review, OffsetDateTime reviewExpiresAt, String reviewedBy,
        String reviewNote, OffsetDateTime reviewedAt, boolean released, OffsetDateTime createdAt) {

    static final String COLUMNS = "id, movement_kind, movement_id, customer_id, amount, merchant_id, recipient_id, "
            + "device_id, funding_source_id, offline, outcome, reasons::text AS reasons, review, review_expires_at, "
            + "reviewed_by, review_note, reviewed_at, released, created_at";

    static DecisionView of(Row row) {
        JsonArray reasons = new JsonArray(row.getString("reasons"));
        List<Map<String, Object>> list = reasons.stream().map(reason -> ((JsonObject) reason).getMap()).toList();
        return new DecisionView(row.getUUID("id"), row.getString("movement_kind").toUpperCase(),
                row.getUUID("movement_id"), row.getString("customer_id"), row.getLong("amount"),
                row.getUUID("merchant_id"), row.getString("recipient_id"), row.getString("device_id"),
                row.getUUID("funding_source_id"), row.getBoolean("offline"), row.getString("outcome").toUpperCase(),
                list, row.getString("review"), row.getOffsetDateTime("review_expires_at"),
                row.getString("reviewed_by"), row.getString("review_note"), row.getOffsetDateTime("reviewed_at"),
                row.getBoolean("released"), row.getOffsetDateTime("created_at"));
    }

    /** A page of decisions and the cursor of the next one (null on the last). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Page(List<DecisionView> items, String nextCursor) {
    }
}
