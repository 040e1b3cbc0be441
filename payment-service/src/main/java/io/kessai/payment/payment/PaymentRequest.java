package io.kessai.payment.payment;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.payment.Money;

/**
 * What the customer app sends: the EMVCo payload it scanned and, for a store's static code, the amount the customer
 * typed (for an order code it may be left out; if given it must be the code's).
 */
@Schema(example = """
        {"payload": "00020101021226...6304ABCD", "amount": {"amount": 980, "currency": "JPY"}}""")
public record PaymentRequest(@NotNull @Size(min = 1, max = 512) String payload, @Valid Money amount) {
}
