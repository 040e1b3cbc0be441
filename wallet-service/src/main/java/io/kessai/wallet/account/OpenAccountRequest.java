package io.kessai.wallet.account;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Requests to open an account; the owner id is the one auth-service (users) or payment-service (merchants) uses. */
public final class OpenAccountRequest {

    private static final String OWNER_ID = "[A-Za-z0-9._:@-]{1,100}";

    private OpenAccountRequest() {
    }

    @Schema(example = "{\"userId\": \"usr_01J9Z5X3\", \"currency\": \"JPY\"}")
    public record Customer(@NotNull @Pattern(regexp = OWNER_ID) String userId,
            @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as JPY") String currency) {
    }

    @Schema(example = "{\"merchantId\": \"mer_01J9Z5Y8\", \"currency\": \"JPY\", \"subAccounts\": 16}")
    public record Merchant(@NotNull @Pattern(regexp = OWNER_ID) String merchantId,
            @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as JPY") String currency,
            @Min(1) @Max(64) Integer subAccounts) {
    }

    /** Why ops or a service changed an account's state; kept on the account. */
    public record StatusChange(@Size(max = 500) String reason) {
    }
}
