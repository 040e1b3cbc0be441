package io.kessai.wallet.ledger;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A posted transfer as the API shows it. Only what never changes after posting is shown, so a replayed request gets
 * exactly the first answer.
 */
public record TransferView(UUID id, String idempotencyKey, String kind, String status, String reference,
        Map<String, Object> metadata, String currency, UUID reverses, UUID holdId, OffsetDateTime createdAt,
        List<Leg> legs, List<Entry> entries) {

    public record Leg(int leg, UUID from, UUID to, long amount, String currency) {
    }

    /** A signed change to one sub-account (credit positive); customers' wallets have a single sub-account. */
    public record Entry(int leg, UUID accountId, int subAccount, long amount, long subAccountBalanceAfter) {
    }

    /** The answer to a posting request: the transfer, and whether it was posted before under the same key. */
    public record Outcome(TransferView transfer, boolean replayed) {
    }
}
