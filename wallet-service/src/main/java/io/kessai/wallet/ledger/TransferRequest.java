package io.kessai.wallet.ledger;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.common.json.FreeForm;

/** A transfer as a caller asks for it: legs that are posted together or not at all. */
@Schema(example = """
        {"kind": "payment", "reference": "pay_01J9Z6", "metadata": {"orderId": "A-1001"},
         "legs": [{"from": "5b0c3f7e-2f43-4a52-9d55-7f1f3b0a8c11", "to": "0e4f6a1d-7c1b-4bb8-8a55-1d9f0f6e2b22",
                   "amount": 1170, "currency": "JPY"},
                  {"from": "5b0c3f7e-2f43-4a52-9d55-7f1f3b0a8c11", "to": "9a7d2c4e-3b5f-4e6a-8c1d-2f3e4a5b6c33",
                   "amount": 30, "currency": "JPY"}]}""")
public record TransferRequest(
        @NotNull @Pattern(regexp = "topup|payment|refund|p2p|fee|payout|adjustment", message = "must be one of topup, payment, refund, p2p, fee, payout, adjustment (reversals have their own endpoint)") String kind,
        @Size(max = 200) String reference,
        @Size(max = 50) @FreeForm Map<String, Object> metadata,
        @NotNull @Size(min = 1) List<@NotNull @Valid LegRequest> legs) {

    /** One debit and its matching credit. The currency defaults to JPY. */
    public record LegRequest(@NotNull UUID from, @NotNull UUID to, Long amount,
            @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as JPY") String currency) {

        public String currencyOrDefault() {
            return currency == null ? "JPY" : currency;
        }
    }
}
