package io.kessai.payment.status;

import java.time.Instant;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer of {@code GET /v1/status}: the worst level of all capabilities, when it was judged, and each capability
 * ({@code paying}, {@code refunds}, {@code receipts}, in that order) with a message for people in Japanese and English.
 */
public record StatusView(Level status, Instant checkedAt, Map<String, Capability> capabilities) {

    /** One capability: its level and what to tell a person about it. */
    public record Capability(Level status, Message message) {
    }

    @Schema(description = "The same message in Japanese and in English")
    public record Message(String ja, String en) {
    }
}
