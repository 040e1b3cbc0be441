package io.kessai.auth.registration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.auth.AccountType;

/** Requests of the registration flow: start with a phone and password, confirm with the SMS code. */
public final class RegistrationRequest {

    private RegistrationRequest() {
    }

    /**
     * {@code accountType} is {@code customer} (the default) or {@code merchant}, for a merchant owner: the same
     * sign-in, no wallet, tokens with role {@code merchant}.
     */
    @Schema(example = "{\"phone\": \"090-1234-5678\", \"password\": \"tsukemen-at-lunch-4\", \"locale\": \"ja\", "
            + "\"accountType\": \"customer\"}")
    public record Start(@NotNull @Size(max = 32) String phone, @NotNull @Size(max = 512) String password,
            @Pattern(regexp = "ja|en") String locale,
            @Pattern(regexp = AccountType.WIRE_PATTERN, message = "must be customer or merchant") String accountType) {

        public String localeOrDefault() {
            return locale == null ? "ja" : locale;
        }

        public AccountType accountTypeOrDefault() {
            return accountType == null ? AccountType.CUSTOMER : AccountType.fromWire(accountType);
        }
    }

    @Schema(example = "{\"code\": \"482913\"}")
    public record Confirm(@NotNull @Size(max = 16) String code) {
    }

    /** The answer to a start, the same whether or not the number already has an account (no enumeration). */
    public record Started(String registrationId, String expiresAt) {
    }

    public record Confirmed(String userId, String status) {
    }
}
