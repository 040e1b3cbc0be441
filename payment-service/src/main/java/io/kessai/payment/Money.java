package io.kessai.payment;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Money as everywhere in Kessai: whole minor units (yen have none), never floating point; only JPY for now. */
@Schema(example = "{\"amount\": 1200, \"currency\": \"JPY\"}")
public record Money(@NotNull @Positive Long amount,
        @NotNull @Pattern(regexp = "JPY", message = "must be JPY, the only currency payments take") String currency) {

    public static final String YEN = "JPY";

    public static Money yen(long amount) {
        return new Money(amount, YEN);
    }
}
