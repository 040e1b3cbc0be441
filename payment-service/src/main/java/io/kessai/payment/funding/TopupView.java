package io.kessai.payment.funding;

import java.time.OffsetDateTime;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.payment.Money;
import io.kessai.payment.payment.PaymentView;

/**
 * A top-up as its customer sees it.
 *
 * @param status {@code HELD} (waiting for a step-up: the risk engine's, or the card's challenge), {@code PENDING}
 *        (charged or being charged, not yet credited), {@code COMPLETED} or {@code FAILED}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TopupView(UUID topupId, UUID cardId, String status, Money amount, PaymentView.Failure failure,
        OffsetDateTime createdAt, OffsetDateTime completedAt) {
}
