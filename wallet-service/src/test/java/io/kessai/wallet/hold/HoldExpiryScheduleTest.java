package io.kessai.wallet.hold;

import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.available;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The expiry job is wired to the scheduler as in production: an expired hold is released without anyone asking. The
 * shared test application runs with the scheduler off (other tests call the job), so this class has a start of its own.
 */
@QuarkusTest
@TestProfile(HoldExpiryScheduleTest.SchedulerOn.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class HoldExpiryScheduleTest {

    public static class SchedulerOn implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.scheduler.enabled", "true");
        }
    }

    @Test
    void anExpiredHoldIsReleasedByTheScheduledJob() {
        String alice = openCustomer(unique("alice"));
        topUp(alice, 10_000);
        String id = asService().header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("accountId", alice, "amount", 2_500)).post("/v1/internal/holds").then().statusCode(201)
                .extract().path("id");
        assertEquals(7_500, available(alice));
        execute("UPDATE hold SET expires_at = now() - interval '1 second' WHERE id = '" + id + "'");
        Eventually.until("the scheduled job releases the expired hold", Duration.ofSeconds(30),
                () -> "expired".equals(queryText("SELECT status FROM hold WHERE id = '" + id + "'")));
        assertEquals(10_000, available(alice));
    }
}
