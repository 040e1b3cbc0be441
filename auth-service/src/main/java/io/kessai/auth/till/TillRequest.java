package io.kessai.auth.till;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.common.security.TillClaims;

/** The bodies of the owner's till endpoints. */
public final class TillRequest {

    private TillRequest() {
    }

    /** A new till credential for a terminal of one of the merchant's open stores. */
    @Schema(example = "{\"storeId\": \"0190f3a2-7c1e-7d3a-9b2e-3f5a6b7c8d9f\", \"terminalId\": \"till-2\", "
            + "\"label\": \"Counter by the door\"}")
    public record Create(@NotNull UUID storeId,
            @NotNull @Pattern(regexp = TillClaims.TERMINAL_ID_PATTERN, message = "must be 1 to 25 of A-Z a-z 0-9 _ -") String terminalId,
            @Size(max = 100) @Pattern(regexp = "[^\\p{Cntrl}]*", message = "must have no control characters") String label) {

        /** The label as kept: without surrounding spaces, none when blank. */
        String keptLabel() {
            return label == null || label.isBlank() ? null : label.strip();
        }
    }

    /** A till credential as the owner's list shows it: never its secret. */
    public record Till(UUID id, String clientId, UUID merchantId, UUID storeId, String terminalId, String label,
            OffsetDateTime createdAt, @JsonInclude(JsonInclude.Include.NON_NULL) OffsetDateTime secretRotatedAt) {
    }

    /**
     * A till credential with its secret, answered once when it is made or its secret replaced: auth-service keeps only
     * a digest of the secret and can never show it again.
     */
    @Schema(example = "{\"id\": \"0190f3a2-7c1e-7d3a-9b2e-3f5a6b7c8da0\", \"clientId\": "
            + "\"till-0190f3a2-7c1e-7d3a-9b2e-3f5a6b7c8da0\", \"clientSecret\": "
            + "\"q0l7c2Zb1kX8mR3tVw9yA4nE6hJ5pS2uF7gD1cB0zK\", \"merchantId\": "
            + "\"0190f3a2-7c1e-7d3a-9b2e-3f5a6b7c8d9e\", \"storeId\": \"0190f3a2-7c1e-7d3a-9b2e-3f5a6b7c8d9f\", "
            + "\"terminalId\": \"till-2\", \"label\": \"Counter by the door\", \"createdAt\": "
            + "\"2026-12-02T04:05:06.789Z\"}")
    public record Issued(UUID id, String clientId, String clientSecret, UUID merchantId, UUID storeId,
            String terminalId, String label, OffsetDateTime createdAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) OffsetDateTime secretRotatedAt) {
    }

    /** One page of the owner's list; {@code nextCursor} is absent on the last. */
    public record Page(List<Till> items, @JsonInclude(JsonInclude.Include.NON_NULL) String nextCursor) {
    }
}
