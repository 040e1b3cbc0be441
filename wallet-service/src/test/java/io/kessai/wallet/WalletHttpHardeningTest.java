package io.kessai.wallet;

import io.kessai.testing.HttpHardeningContract;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class WalletHttpHardeningTest extends HttpHardeningContract {

    /** The probe reads a JSON body without a token, on a worker thread: where the chunked body used to be cut off. */
    @Override
    protected String bodyPath() {
        return "/test/problems";
    }
}
