package io.kessai.payment.payment;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.payment.Money;

/** What a till sends for a customer-presented code: the code it scanned, the amount, and its own id for the sale. */
@Schema(example = """
        {"code": "28123456780769385559", "amount": {"amount": 980, "currency": "JPY"}, "merchantPaymentId": "sale-1"}""")
public record CpmPaymentRequest(@NotNull @Size(min = 1, max = 64) String code, @NotNull @Valid Money amount,
        @NotNull @Pattern(regexp = "[A-Za-z0-9_-]{1,64}") String merchantPaymentId) {
}
