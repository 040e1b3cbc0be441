package io.kessai.wallet.ledger;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A transfer never waits without bound: when its rows stay locked past lock_timeout (here by a stuck session holding
 * the wallet's row), it is rolled back and answered 503 with Retry-After, and nothing moved; the same request
 * succeeds once the rows are free.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class LockTimeoutTest {

    @Test
    void aTransferBlockedPastTheLockTimeoutIsA503AndChangesNothing() throws Exception {
        String wallet = openCustomer(unique("user"));
        String shop = openMerchant(unique("shop"));
        topUp(wallet, 1_000);
        try (Connection stuck = TestDatabase.connect();
                Statement statement = stuck.createStatement()) {
            stuck.setAutoCommit(false);
            statement.execute("SELECT * FROM account_shard WHERE account_id = '" + wallet + "' FOR UPDATE");
            expectProblem(move("payment", wallet, shop, 400), 503, "service-unavailable")
                    .header("Retry-After", equalTo("5"));
            stuck.rollback();
        }
        assertEquals(1_000, balance(wallet));
        assertEquals(0, balance(shop));
        move("payment", wallet, shop, 400).statusCode(201);
        assertEquals(600, balance(wallet));
    }
}
