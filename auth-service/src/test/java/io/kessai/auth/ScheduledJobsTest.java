package io.kessai.auth;

import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.ops.FakeWalletService;
import io.kessai.auth.registration.RegistrationPurge;
import io.kessai.auth.session.ExpiredRecordsPurge;
import io.kessai.auth.throttle.TokenBuckets;
import io.kessai.auth.token.SigningKeys;
import io.kessai.outbox.OutboxRelay;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.scheduler.Trigger;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The jobs are wired to the scheduler as in production. Every other test start runs with the scheduler off and calls
 * the jobs itself (no test races a timer), so this class has a start of its own with it on: each job is scheduled, and
 * the outbox relay, the one whose interval a test can wait for, delivers a queued call without anyone asking.
 */
@QuarkusTest
@TestProfile(ScheduledJobsTest.SchedulerOn.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeWalletService.class)
class ScheduledJobsTest {

    public static class SchedulerOn implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.scheduler.enabled", "true");
        }
    }

    @Inject
    Scheduler scheduler;

    @Test
    void everyJobIsScheduled() {
        assertTrue(scheduler.isRunning());
        Set<String> jobs = scheduler.getScheduledJobs().stream().map(Trigger::getMethodDescription)
                .collect(Collectors.toSet());
        assertEquals(Set.of(OutboxRelay.class.getName() + "#poll",
                SigningKeys.class.getName() + "#scheduledReload",
                TokenBuckets.class.getName() + "#purgeIdle",
                RegistrationPurge.class.getName() + "#scheduled",
                ExpiredRecordsPurge.class.getName() + "#scheduled"), jobs);
    }

    @Test
    void theRelayDeliversAQueuedCallOnItsOwn() {
        // A wallet opening as registration queues it (staged directly: a registration needs its SMS code, which this
        // start's relay may deliver, and so delete, before a test could read it).
        UUID userId = UUID.randomUUID();
        execute("INSERT INTO kessai_outbox (event_id, body, destination, path, ordering_key) VALUES ('auth:wallet-open:"
                + userId + "', '{\"userId\": \"" + userId + "\"}', 'wallet', '/v1/internal/accounts/customers', "
                + "'wallet-customer:" + userId + "')");
        Eventually.until("the scheduled relay opens the wallet", Duration.ofSeconds(30),
                () -> "active".equals(FakeWalletService.wallet(userId)));
        Eventually.until("the delivered row is deleted", Duration.ofSeconds(30),
                () -> count(
                        "SELECT count(*) FROM kessai_outbox WHERE event_id = 'auth:wallet-open:" + userId + "'") == 0);
    }
}
