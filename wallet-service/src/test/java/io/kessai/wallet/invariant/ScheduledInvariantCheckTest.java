package io.kessai.wallet.invariant;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The scheduled check runs on one replica at a time: while another holds the check's lock, this one skips. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class ScheduledInvariantCheckTest {

    @Inject
    LedgerInvariants invariants;

    @Test
    void aScheduledCheckSkipsWhileAnotherReplicaRunsOne() throws Exception {
        try (Connection otherReplica = TestDatabase.connect();
                Statement statement = otherReplica.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + LedgerInvariants.LOCK_KEY + ")");
            assertNull(invariants.scheduledCheck().await().atMost(Duration.ofSeconds(30)), "skipped");
            assertNotNull(invariants.check().await().atMost(Duration.ofSeconds(30)), "ops may always run it");
            statement.execute("SELECT pg_advisory_unlock(" + LedgerInvariants.LOCK_KEY + ")");
        }
        LedgerInvariants.Report report = invariants.scheduledCheck().await().atMost(Duration.ofSeconds(30));
        assertNotNull(report, "runs once the lock is free");
        assertTrue(report.ok(), report.discrepancies()::toString);
    }
}
