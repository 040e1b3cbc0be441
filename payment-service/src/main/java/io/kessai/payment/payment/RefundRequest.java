package io.kessai.payment.payment;

import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.payment.Money;

/**
 * A merchant's refund of (part of) a completed payment.
 *
 * @param merchantRefundId the merchant's id for this refund, unique per merchant: a repeat with the same body answers
 *        the same refund, another body is 409
 */
@Schema(example = """
        {"merchantRefundId": "refund-2026-1201-0007", "paymentId": "0193a1f2-8c4e-7d3a-9b21-5f6e7d8c9b0a",
         "amount": {"amount": 300, "currency": "JPY"}, "reason": "One dish was missing"}""")
public record RefundRequest(
        @NotNull @Pattern(regexp = "[A-Za-z0-9_-]{1,64}", message = "must be 1 to 64 of A-Z a-z 0-9 _ -") String merchantRefundId,
        @NotNull UUID paymentId,
        @NotNull @Valid Money amount,
        @Size(max = 200) String reason) {
}
