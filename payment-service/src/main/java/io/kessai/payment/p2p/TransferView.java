package io.kessai.payment.p2p;

import java.time.OffsetDateTime;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.payment.Money;
import io.kessai.payment.payment.PaymentView;

/**
 * A transfer as one of its two parties sees it. The sender sees its state, why it failed, and the recipient as the
 * masked number they typed; the recipient sees only a completed transfer, with the sender's masked number. Neither
 * sees the other's user id.
 *
 * @param direction {@code SENT} or {@code RECEIVED}, from the reader's side
 * @param counterpartyName the other party, masked ({@code 090-****-5678})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransferView(UUID transferId, String direction, String status, Money amount, String message,
        String counterpartyName, PaymentView.Failure failure, OffsetDateTime createdAt, OffsetDateTime completedAt) {

    boolean isTerminal() {
        return "COMPLETED".equals(status) || "FAILED".equals(status);
    }
}
