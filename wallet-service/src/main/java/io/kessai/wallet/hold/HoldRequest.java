package io.kessai.wallet.hold;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.common.json.FreeForm;

/** Requests of the two-phase flow: reserve, then capture all or part into a transfer. */
public final class HoldRequest {

    private HoldRequest() {
    }

    @Schema(example = """
            {"accountId": "5b0c3f7e-2f43-4a52-9d55-7f1f3b0a8c11", "amount": 3000, "currency": "JPY",
             "expiresInSeconds": 900, "reference": "pay_01J9Z6"}""")
    public record Reserve(@NotNull UUID accountId, Long amount,
            @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as JPY") String currency,
            @Positive Long expiresInSeconds, @Size(max = 200) String reference) {

        public String currencyOrDefault() {
            return currency == null ? "JPY" : currency;
        }
    }

    @Schema(example = """
            {"kind": "payment", "reference": "pay_01J9Z6",
             "legs": [{"to": "0e4f6a1d-7c1b-4bb8-8a55-1d9f0f6e2b22", "amount": 2500}]}""")
    public record Capture(
            @Pattern(regexp = "payment|p2p|adjustment", message = "must be payment, p2p or adjustment") String kind,
            @NotNull @Size(min = 1) List<@NotNull @Valid CaptureLeg> legs, @Size(max = 200) String reference,
            @Size(max = 50) @FreeForm Map<String, Object> metadata) {

        public String kindOrDefault() {
            return kind == null ? "payment" : kind;
        }
    }

    public record CaptureLeg(@NotNull UUID to, Long amount) {
    }
}
