package io.kessai.notification.event;

import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.common.json.FreeForm;

/** A typed event handed over by another service; the event id is the caller's and makes the hand-over idempotent. */
public record EventRequest(
        @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9._:-]+") @Schema(example = "auth:otp:7f3c9a") String eventId,
        @NotBlank @Schema(example = "otp.sms") String type,
        @Pattern(regexp = "ja|en") @Schema(example = "ja", description = "ja (default) or en") String locale,
        @NotNull @Valid Recipient recipient,
        @Size(max = 20) @FreeForm @Schema(example = "{\"code\": \"482913\", \"ttlSeconds\": 300}") Map<String, Object> data) {

    /** Where the messages go; which fields an event needs depends on its type's channels. */
    public record Recipient(
            @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9._:-]+") String userId,
            @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9._:-]+") String merchantId,
            @Pattern(regexp = "\\+[1-9]\\d{7,14}", message = "must be an E.164 number like +819012345678") String phone,
            @Email @Size(max = 254) String email) {
    }

    public String localeOrDefault() {
        return locale == null ? "ja" : locale;
    }
}
