package io.kessai.payment.funding;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A registered card as its owner sees it: never its number, only the brand, last four digits and expiry. */
public record CardView(UUID id, String brand, String last4, int expiryMonth, int expiryYear, String status,
        OffsetDateTime createdAt) {
}
