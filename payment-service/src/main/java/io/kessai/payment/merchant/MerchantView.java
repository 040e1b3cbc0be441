package io.kessai.payment.merchant;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A merchant as its owner and ops see it: its review state and its stores. {@code version} rises with every change
 * (review, freeze, unfreeze, a store added or closed).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MerchantView(UUID id, String ownerId, String legalName, String displayName, String city,
        String categoryCode, String status, String rejectionReason, OffsetDateTime reviewedAt, String frozenReason,
        OffsetDateTime frozenAt, long version, OffsetDateTime createdAt, List<StoreView> stores) {

    /** A store: {@code active}, or {@code closed} (no payments, no codes, no till tokens). */
    public record StoreView(UUID id, String name, String status) {
    }
}
