package io.kessai.payment.funding;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A card as the customer typed it. It goes to the gateway to be tokenized and is never stored, logged or echoed: a
 * validation failure names the field, never its value.
 */
@Schema(example = """
        {"number": "4000000000000101", "expiryMonth": 12, "expiryYear": 2030, "cvc": "123"}""")
public record CardRequest(@NotNull @Pattern(regexp = "[0-9]{12,19}", message = "must be 12 to 19 digits") String number,
        @NotNull @Min(1) @Max(12) Integer expiryMonth, @NotNull @Min(2000) @Max(2100) Integer expiryYear,
        @NotNull @Pattern(regexp = "[0-9]{3,4}", message = "must be 3 or 4 digits") String cvc) {

    @Override
    public String toString() {
        return "CardRequest[****]";
    }

    /** Whether the number passes the Luhn check every card number does. */
    static boolean luhn(String number) {
        int sum = 0;
        for (int i = 0; i < number.length(); i++) {
            int digit = number.charAt(number.length() - 1 - i) - '0';
            if (i % 2 == 1) {
                digit *= 2;
                if (digit > 9) {
                    digit -= 9;
                }
            }
            sum += digit;
        }
        return sum % 10 == 0;
    }
}
