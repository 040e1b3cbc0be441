package io.kessai.payment.shed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.vertx.core.http.HttpMethod;

class EndpointClassTest {

    private static Optional<EndpointClass> of(HttpMethod method, String path) {
        return EndpointClass.of(method, path);
    }

    @Test
    void moneyMovingPostsArePayments() {
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/payments"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/payments/"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/payments/9b0e/confirmation"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/cpm-payments"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/cpm-payments/"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/merchant/payments/order-1/cancel"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/merchant/refunds"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/p2p-transfers"));
        assertEquals(Optional.of(EndpointClass.PAYMENTS), of(HttpMethod.POST, "/v1/topups"));
        assertEquals(Optional.of(EndpointClass.READS), of(HttpMethod.GET, "/v1/topups/" + java.util.UUID.randomUUID()));
        assertEquals(Optional.of(EndpointClass.OTHER), of(HttpMethod.POST, "/v1/cards"));
        assertEquals(Optional.of(EndpointClass.READS),
                of(HttpMethod.GET, "/v1/p2p-transfers/" + java.util.UUID.randomUUID()));
    }

    @Test
    void makingAndDeletingCodesAreCodes() {
        assertEquals(Optional.of(EndpointClass.CODES), of(HttpMethod.POST, "/v1/codes"));
        assertEquals(Optional.of(EndpointClass.CODES), of(HttpMethod.DELETE, "/v1/codes/order-1"));
    }

    @Test
    void everyGetIsARead() {
        for (String path : new String[]{"/v1/payments/9b0e", "/v1/codes/order-1", "/v1/codes/order-1/qr.png",
                "/v1/store-code", "/v1/merchant/payments/order-1", "/v1/merchants", "/v1/ops/merchants"}) {
            assertEquals(Optional.of(EndpointClass.READS), of(HttpMethod.GET, path), path);
        }
        assertEquals(Optional.of(EndpointClass.READS), of(HttpMethod.HEAD, "/v1/merchants"));
    }

    @Test
    void theRestIsOther() {
        assertEquals(Optional.of(EndpointClass.OTHER), of(HttpMethod.POST, "/v1/merchants"));
        assertEquals(Optional.of(EndpointClass.OTHER), of(HttpMethod.POST, "/v1/ops/merchants/1/approval"));
        assertEquals(Optional.of(EndpointClass.OTHER), of(HttpMethod.PUT, "/v1/payments"));
        assertEquals(Optional.of(EndpointClass.OTHER), of(HttpMethod.POST, "/v1/paymentsx"));
        assertEquals(Optional.of(EndpointClass.OTHER), of(HttpMethod.GET, "/"));
    }

    @Test
    void operationsAndTheStatusAreNeverShed() {
        assertEquals(Optional.empty(), of(HttpMethod.GET, "/q/health/ready"));
        assertEquals(Optional.empty(), of(HttpMethod.GET, "/q/metrics"));
        assertEquals(Optional.empty(), of(HttpMethod.GET, "/v1/status"));
        assertEquals(Optional.empty(), of(HttpMethod.GET, "/v1/status/"));
        assertEquals(Optional.of(EndpointClass.READS), of(HttpMethod.GET, "/v1/statusx"));
    }
}
