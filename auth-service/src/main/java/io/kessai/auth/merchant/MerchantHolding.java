package io.kessai.auth.merchant;

import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A merchant as payment-service describes it to auth-service: its owner, state and stores at one version. The same
 * shape is the request of {@code POST /v1/internal/merchants/{merchantId}} and, with the merchant id, its answer.
 */
@Schema(example = "{\"ownerId\": \"0190f3a2-7c1e-7d3a-9b2e-3f5a6b7c8d9e\", \"status\": \"active\", \"version\": 2, "
        + "\"stores\": [{\"storeId\": \"0190f3a2-7c1e-7d3a-9b2e-3f5a6b7c8d9f\", \"name\": \"Shinjuku East Exit\", "
        + "\"status\": \"active\"}]}")
public record MerchantHolding(@NotNull UUID ownerId,
        @NotNull @Pattern(regexp = "pending_review|active|rejected|frozen", message = "must be pending_review, active, rejected or frozen") String status,
        @NotNull @Min(1) Long version,
        @NotNull @Size(max = MAX_STORES) List<@NotNull @Valid Store> stores) {

    /** The most stores one merchant may have here. */
    public static final int MAX_STORES = 50;

    /** The state in which a merchant's tills get tokens and new till credentials may be made. */
    public static final String ACTIVE = "active";

    /** A store of the merchant; only an {@code active} one has working tills. */
    public record Store(@NotNull UUID storeId,
            @NotBlank @Size(max = 100) @Pattern(regexp = "[^\\p{Cntrl}]*", message = "must have no control characters") String name,
            @NotNull @Pattern(regexp = "active|closed", message = "must be active or closed") String status) {

        public boolean active() {
            return ACTIVE.equals(status);
        }
    }

    /** What auth-service holds for one merchant. */
    public record Held(UUID merchantId, UUID ownerId, String status, long version, List<Store> stores) {

        public boolean active() {
            return ACTIVE.equals(status);
        }
    }
}
