package io.kessai.auth.registration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Requests of the registration flow: start with a phone and password, confirm with the SMS code. */
public final class RegistrationRequest {

    private RegistrationRequest() {
    }

    @Schema(example = "{\"phone\": \"090-1234-5678\", \"password\": \"tsukemen-at-lunch-4\", \"locale\": \"ja\"}")
    public record Start(@NotNull @Size(max = 32) String phone, @NotNull @Size(max = 512) String password,
            @Pattern(regexp = "ja|en") String locale) {

        public String localeOrDefault() {
            return locale == null ? "ja" : locale;
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
