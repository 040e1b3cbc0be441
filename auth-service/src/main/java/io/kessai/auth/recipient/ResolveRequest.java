package io.kessai.auth.recipient;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A number to resolve, as the sender typed it, and the sender it is resolved for (the audit log names both; the
 * answer tells the recipient who sent).
 */
@Schema(example = """
        {"phone": "090-1234-5678", "senderId": "0190f3c2-7d1e-7c3a-9f4e-2b8d1a6c5e01"}""")
public record ResolveRequest(@NotNull @Size(min = 1, max = 32) String phone,
        @NotNull @Size(min = 1, max = 64) String senderId) {

    /**
     * Who can receive, and what each party is shown of the other.
     *
     * @param recipientName the recipient's number, masked, for the sender
     * @param senderName the sender's number, masked, for the recipient
     */
    public record Resolved(String userId, String recipientName, String senderName) {
    }
}
