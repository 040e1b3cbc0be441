package io.kessai.payment;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.testing.HttpHardeningContract;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
class PaymentHttpHardeningTest extends HttpHardeningContract {
}
