package io.kessai.auth.ops;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;

/** What the ops endpoints read and answer. */
public final class OpsViews {

    private OpsViews() {
    }

    /** Why ops freezes or unfreezes: kept on the user or device, in the audit log, and sent to wallet-service. */
    @Schema(example = "{\"reason\": \"Ticket SEC-1042: customer reports a stolen phone\"}")
    public record StatusChange(@NotBlank @Size(max = 500) String reason) {
    }

    /** A user as ops sees it: state, verified channels, devices and second factors (never a secret). */
    @Schema(example = "{\"userId\": \"0192f1a4-6c7e-7b3a-9a51-3f2d1c0b9e8a\", \"phone\": \"+819012345678\", "
            + "\"status\": \"frozen\", \"email\": null, \"emailVerified\": false, "
            + "\"createdAt\": \"2026-11-02T03:14:07Z\", \"activatedAt\": \"2026-11-02T03:15:02Z\", "
            + "\"frozenAt\": \"2026-11-22T01:00:00Z\", \"frozenReason\": \"Ticket SEC-1042\", \"devices\": "
            + "[{\"deviceId\": \"7d0c6c1e-4b0f-4f7e-9d59-6d3f0b1e2a10\", \"name\": \"Hanako's iPhone\", "
            + "\"status\": \"active\", \"boundAt\": \"2026-11-02T03:20:00Z\", "
            + "\"expiresAt\": \"2027-02-02T03:20:00Z\", \"lastSeenAt\": \"2026-11-21T23:59:00Z\", "
            + "\"frozenReason\": null}], \"totp\": true, \"recoveryCodesLeft\": 9}")
    public record User(String userId, String phone, String status, String email, boolean emailVerified,
            OffsetDateTime createdAt, OffsetDateTime activatedAt, OffsetDateTime frozenAt, String frozenReason,
            List<Device> devices, boolean totp, int recoveryCodesLeft) {
    }

    /** A device the user signed in from; {@code expiresAt} is the end of its binding (then a second factor again). */
    public record Device(String deviceId, String name, String status, OffsetDateTime boundAt, OffsetDateTime expiresAt,
            OffsetDateTime lastSeenAt, String frozenReason) {
    }

    /** One audit event; {@code detail} holds what is particular to its type. */
    public record AuditEvent(long id, OffsetDateTime at, String type, String outcome, String userId, String phone,
            String deviceId, String address, String actor, JsonNode detail) {
    }

    /** A page of the audit log, newest first; {@code nextCursor} is null on the last page. */
    public record AuditPage(List<AuditEvent> events, String nextCursor) {
    }
}
