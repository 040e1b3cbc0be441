package io.kessai.auth.reset;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Requests and answers of the password reset. No field names a destination: the code goes to a channel the account
 * has verified, and the strict JSON reading refuses any field not declared here (such as {@code email}).
 */
public final class PasswordResetRequest {

    private PasswordResetRequest() {
    }

    /** {@code channel} asks for the verified email instead of the phone; without one the phone is used. */
    @Schema(example = "{\"phone\": \"090-1234-5678\", \"channel\": \"sms\"}")
    public record Start(@NotNull @Size(max = 32) String phone, @Pattern(regexp = "sms|email") String channel) {
    }

    /** The second factor an account with an authenticator app must add: {@code totp} or {@code recovery}. */
    @Schema(example = "{\"method\": \"totp\", \"code\": \"482913\"}")
    public record SecondFactor(@NotNull @Pattern(regexp = "totp|recovery") String method,
            @NotNull @Size(max = 32) String code) {
    }

    @Schema(example = "{\"code\": \"482913\", \"newPassword\": \"ramen-after-midnight-7\"}")
    public record Complete(@NotNull @Size(max = 16) String code, @NotNull @Size(max = 512) String newPassword,
            @Valid SecondFactor secondFactor) {
    }

    /** The same for every number, known or not (no enumeration); it does not say where the code went. */
    public record Started(String resetId, String expiresAt) {
    }

    public record Completed(String status) {
    }
}
