package io.kessai.payment.payment;

import java.time.OffsetDateTime;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.payment.Money;

/**
 * A refund as its merchant sees it.
 *
 * @param status {@code PENDING} (outcome not known yet: ask again at {@code /v1/merchant/refunds/{merchantRefundId}}),
 *        {@code COMPLETED} (the money is in the customer's wallet) or {@code FAILED} (with {@code failure}; nothing
 *        moved and the amount can be refunded again)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RefundView(UUID refundId, String merchantRefundId, UUID paymentId, String status, Money amount,
        String reason, PaymentView.Failure failure, OffsetDateTime createdAt, OffsetDateTime completedAt) {

    public boolean isTerminal() {
        return !"PENDING".equals(status);
    }
}
