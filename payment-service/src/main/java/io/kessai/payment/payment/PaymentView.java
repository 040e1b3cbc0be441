package io.kessai.payment.payment;

import java.time.OffsetDateTime;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.payment.Money;

/**
 * A payment as its customer and its merchant see it.
 *
 * @param status {@code PENDING} (outcome not known yet: ask again at {@code /v1/payments/{id}}), {@code COMPLETED},
 *        {@code FAILED} (with {@code failure}) or {@code CANCELED}
 * @param refundStatus {@code NONE}, {@code PARTIALLY_REFUNDED} or {@code REFUNDED} (refunds in flight count)
 * @param cancelSettlement for a {@code CANCELED} payment: {@code PENDING} while it is not known yet whether money
 *        moved, {@code REVERSED} (the customer has it back) or {@code NOTHING_CHARGED}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PaymentView(UUID paymentId, String status, String kind, Money amount, Money refunded,
        String refundStatus, UUID merchantId, UUID storeId, String merchantName, String merchantPaymentId,
        String terminalId, Failure failure, OffsetDateTime createdAt, OffsetDateTime completedAt,
        OffsetDateTime canceledAt, String cancelSettlement) {

    /** Why a payment failed: the problem code wallet-service or the gate refused it with. */
    public record Failure(String code, String detail) {
    }

    public boolean isTerminal() {
        return !"PENDING".equals(status) && !"HELD".equals(status);
    }
}
