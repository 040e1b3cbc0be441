package io.kessai.payment.code;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.payment.Money;

/**
 * A till's order: the merchant's own id for it, the amount, and optionally how long the code can be paid.
 *
 * @param merchantPaymentId the merchant's id for this order, unique per merchant: a repeat with the same body
 *        answers the same code
 */
@Schema(example = """
        {"merchantPaymentId": "order-2026-1201-0042", "amount": {"amount": 980, "currency": "JPY"},
         "expiresInSeconds": 300, "description": "Lunch set A"}""")
public record OrderCodeRequest(
        @NotNull @Pattern(regexp = "[A-Za-z0-9_-]{1,64}", message = "must be 1 to 64 of A-Z a-z 0-9 _ -") String merchantPaymentId,
        @NotNull @Valid Money amount,
        @Positive Long expiresInSeconds,
        @Size(max = 100) String description) {
}
