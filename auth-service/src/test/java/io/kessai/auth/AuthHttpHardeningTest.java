package io.kessai.auth;

import io.kessai.testing.HttpHardeningContract;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The HTTP-layer rules on auth-service, whose public endpoints read bodies from anyone, without a token. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class AuthHttpHardeningTest extends HttpHardeningContract {

    @Override
    protected String bodyPath() {
        return "/v1/password-resets";
    }
}
