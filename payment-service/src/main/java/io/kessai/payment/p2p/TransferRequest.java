package io.kessai.payment.p2p;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.payment.Money;

/**
 * What the sender's app sends: the recipient's phone number as typed (national {@code 090-1234-5678} or
 * international {@code +81 90 1234 5678}), the amount, and an optional message for the recipient (at most 100
 * characters, no control characters, line separators or bidi overrides: it is shown in the recipient's app as
 * typed, and must not rearrange or break what is shown around it; emoji sequences are fine).
 */
@Schema(example = """
        {"phone": "090-1234-5678", "amount": {"amount": 1500, "currency": "JPY"}, "message": "ランチ代"}""")
public record TransferRequest(@NotNull @Size(min = 1, max = 32) String phone, @NotNull @Valid Money amount,
        @Size(max = 100) @Pattern(regexp = "[^\\p{Cc}\\p{Zl}\\p{Zp}\u202A-\u202E\u2066-\u2069]*", message = "must have "
                + "no control characters (line breaks, bidi overrides)") String message) {
}
