package io.kessai.payment.cpm;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A payment key as its customer and ops see it: never its secret. */
public record PaymentKeyView(UUID id, String deviceId, String deviceReference, String status, String revokedReason,
        OffsetDateTime deviceBoundAt, OffsetDateTime createdAt, OffsetDateTime revokedAt) {
}
