package io.kessai.auth.email;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Requests and answers of adding or changing the account's email address. */
public final class EmailRequest {

    /** On top of {@code @Email}: no whitespace, and a domain with a dot (mail to {@code user@localhost} is useless). */
    static final String SHAPE = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+";

    private EmailRequest() {
    }

    @Schema(example = "{\"email\": \"hanako@example.jp\"}")
    public record Change(@NotNull @Size(max = 254) @Email(regexp = SHAPE) String email) {
    }

    @Schema(example = "{\"challengeId\": \"01920c5e-7a3b-7c4d-8e9f-0a1b2c3d4e5f\", \"code\": \"482913\"}")
    public record Confirm(@NotNull @Size(max = 64) String challengeId, @NotNull @Size(max = 16) String code) {
    }

    public record Started(String challengeId, String expiresAt) {
    }

    public record Verified(String email, boolean verified) {
    }
}
