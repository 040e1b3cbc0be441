package io.kessai.payment.code;

import java.time.OffsetDateTime;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.payment.Money;

/**
 * An order code as its till sees it: its state ({@code CREATED}, {@code PAID}, {@code EXPIRED}, {@code DELETED}), the
 * payment that paid it, and the code itself as payload text, deeplink and the path of its PNG.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OrderCodeView(UUID codeId, String merchantPaymentId, String status, Money amount, String description,
        UUID merchantId, UUID storeId, String terminalId, UUID paymentId, OffsetDateTime expiresAt,
        OffsetDateTime createdAt, String payload, String deeplink, String qrImage) {
}
