package io.kessai.payment;

import io.kessai.payment.code.OrderCodeView;
import io.kessai.payment.cpm.PaymentKeyIssued;
import io.kessai.payment.funding.CardView;
import io.kessai.payment.funding.TopupView;
import io.kessai.payment.merchant.MerchantView;
import io.kessai.payment.p2p.TransferView;
import io.kessai.payment.payment.PaymentView;
import io.kessai.payment.payment.RefundView;
import io.kessai.payment.status.StatusView;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The JSON bodies of this service that Quarkus cannot find by itself, registered for reflection so that Jackson can
 * read and write them in a native executable: Quarkus registers the types in REST resource and client signatures, but
 * not the entity of a {@code Response} (docs/native.md). A record's own field types come along
 * ({@code registerFullHierarchy}).
 */
@RegisterForReflection(registerFullHierarchy = true, targets = {
        // Response entities (201, 202 or 200 with headers). Most are also some other method's return type, which
        // Quarkus sees; listed here all the same, so that no answer depends on another endpoint existing.
        PaymentKeyIssued.class, OrderCodeView.class, MerchantView.class, MerchantView.StoreView.class,
        PaymentView.class, RefundView.class, TopupView.class, CardView.class, TransferView.class, StatusView.class
})
final class JsonBodies {

    private JsonBodies() {
    }
}
