package io.kessai.payment.freeze;

import java.time.OffsetDateTime;

/**
 * A user, device or card as the risk engine sees it after a change: whether it is frozen, and by whom, why and since
 * when; {@code keysRevoked}, for a user or a device, is how many live payment keys the change revoked (0 on a repeat).
 */
public record FrozenSubjectView(String kind, String subject, boolean frozen, String reason, String frozenBy,
        OffsetDateTime frozenAt, Integer keysRevoked) {
}
