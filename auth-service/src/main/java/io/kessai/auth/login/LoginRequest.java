package io.kessai.auth.login;

import java.util.List;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.auth.session.Sessions;

/** Requests and answers of sign-in. */
public final class LoginRequest {

    /** A device id the app generates once per installation: 8 to 128 URL-safe characters. */
    public static final String DEVICE_ID = "[A-Za-z0-9._:-]{8,128}";
    /** A device name as the user knows it; shown in alerts, so no control characters. */
    public static final String DEVICE_NAME = "[^\\p{Cntrl}]{1,80}";

    private LoginRequest() {
    }

    @Schema(example = "{\"phone\": \"090-1234-5678\", \"password\": \"tsukemen-at-lunch-4\", "
            + "\"deviceId\": \"7d0c6c1e-4b0f-4f7e-9d59-6d3f0b1e2a10\", \"deviceName\": \"Hanako's iPhone\"}")
    public record Start(@NotNull @Size(max = 32) String phone, @NotNull @Size(max = 512) String password,
            @NotNull @Pattern(regexp = DEVICE_ID) String deviceId,
            @NotNull @Pattern(regexp = DEVICE_NAME) String deviceName) {
    }

    /** A second factor: {@code sms} (the code sent), {@code totp} (the authenticator app) or {@code recovery}. */
    @Schema(example = "{\"method\": \"totp\", \"code\": \"482913\"}")
    public record SecondFactor(@NotNull @Pattern(regexp = "sms|totp|recovery") String method,
            @NotNull @Size(max = 32) String code) {
    }

    /** The device is not bound: the sign-in waits for a second factor. */
    public record ChallengeView(String challengeId, List<String> factors, boolean smsSent, String expiresAt) {
    }

    public record SmsSent(String challengeId, String expiresAt) {
    }

    /** A signed-in session. */
    public record SessionView(String accessToken, String tokenType, long expiresIn, String refreshToken,
            long refreshExpiresIn, String sessionId, Integer recoveryCodesLeft) {

        static SessionView of(Sessions.Tokens tokens, Integer recoveryCodesLeft) {
            return new SessionView(tokens.accessToken(), "Bearer", tokens.expiresIn(), tokens.refreshToken(),
                    tokens.refreshExpiresIn(), tokens.sessionId().toString(), recoveryCodesLeft);
        }
    }
}
