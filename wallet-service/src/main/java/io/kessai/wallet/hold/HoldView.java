package io.kessai.wallet.hold;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A hold as the API shows it: reserved on an account until captured, voided or expired. */
public record HoldView(UUID id, UUID accountId, long amount, String currency, long captured, String status,
        String reference, UUID transferId, OffsetDateTime expiresAt, OffsetDateTime createdAt) {

    /**
     * The hold as its reserve call answered it: active, nothing captured. A replay of that call answers this, whatever
     * happened to the hold since, because a replay repeats the first answer; the hold's state now is a GET away.
     */
    public HoldView asReserved() {
        return new HoldView(id, accountId, amount, currency, 0, "active", reference, null, expiresAt, createdAt);
    }
}
