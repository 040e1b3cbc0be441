package io.kessai.wallet.hold;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A hold as the API shows it: reserved on an account until captured, voided or expired. */
public record HoldView(UUID id, UUID accountId, long amount, String currency, long captured, String status,
        String reference, UUID transferId, OffsetDateTime expiresAt, OffsetDateTime createdAt) {
}
