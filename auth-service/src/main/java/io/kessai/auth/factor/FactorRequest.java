package io.kessai.auth.factor;

import java.util.List;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Requests and answers of step-up and of a user's second factors and devices. */
public final class FactorRequest {

    private FactorRequest() {
    }

    /** A fresh second factor; {@code challengeId} names the SMS challenge when the method is {@code sms}. */
    @Schema(example = "{\"method\": \"totp\", \"code\": \"482913\"}")
    public record StepUp(@NotNull @Pattern(regexp = "sms|totp|recovery") String method,
            @NotNull @Size(max = 32) String code, @Size(max = 36) String challengeId) {
    }

    public record StepUpToken(String accessToken, String tokenType, long expiresIn, String acr) {
    }

    public record SmsChallenge(String challengeId, String expiresAt) {
    }

    @Schema(example = "{\"code\": \"482913\"}")
    public record Code(@NotNull @Size(max = 32) String code) {
    }

    /** What the enrollment screen shows once: the secret, the URI, and the URI as a QR code (PNG, base64). */
    public record TotpEnrollment(String secret, String otpauthUri, String qrPng) {
    }

    public record TotpConfirmed(String totp, List<String> recoveryCodes) {
    }

    public record RecoveryCodesView(List<String> codes) {
    }

    public record Factors(String phone, String email, boolean emailVerified, String totp, int recoveryCodesLeft) {
    }

    public record Device(String deviceId, String name, String status, String boundAt, String expiresAt,
            String lastSeenAt, boolean current) {
    }
}
