package io.kessai.auth.login;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.auth.password.BlockedHashingPool;
import io.kessai.auth.password.PasswordHasher;
import io.kessai.common.problem.ProblemException;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A sign-in storm larger than the hashing pool: the sign-ins it sheds (503) were never checked, so they must not count
 * towards anyone's lockout, or the storm would lock out the people caught in it. The pool is filled by the test
 * itself (one worker, one queue place, both blocked), so every sign-in in it is shed for certain.
 */
@QuarkusTest
@TestProfile(LoginSheddingTest.TinyHashingPool.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class LoginSheddingTest {

    private static final String WRONG = "wrong-password-storm";

    public static class TinyHashingPool implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kessai.auth.password.workers", "1", "kessai.auth.password.queue", "1");
        }
    }

    @Inject
    PasswordHasher hasher;

    @Inject
    Logins logins;

    private static long failures(Phone phone) {
        return count("SELECT coalesce(sum(failures), 0) FROM login_lockout WHERE phone_e164 = '" + phone.e164() + "'");
    }

    @Test
    void shedSignInsDoNotCountTowardsLockout() {
        Phone atTheDoor = Phone.fresh();
        Phone pastTheDoor = Phone.fresh();
        // Four failures in a row: the next counted one would lock the number.
        execute("INSERT INTO login_lockout (phone_e164, failures) VALUES ('" + pastTheDoor.e164() + "', 4)");

        try (BlockedHashingPool full = BlockedHashingPool.fill(hasher, 1, 1)) {
            // The endpoint sees the full pool and sheds before any database work.
            for (int i = 0; i < 3; i++) {
                expectProblem(login(atTheDoor.typed(), WRONG, newDeviceId(), freshAddress()), 503,
                        "service-unavailable").header("Retry-After", equalTo("5"));
            }
            assertEquals(0, failures(atTheDoor));

            // A sign-in that got past that check just before the pool filled: its attempt was counted (the 5th, which
            // locks), then the pool shed its hash, so the count and the lock are taken back.
            ProblemException shed = assertThrows(ProblemException.class, () -> logins.start(
                    new LoginRequest.Start(pastTheDoor.typed(), WRONG, newDeviceId(), "Test phone"), freshAddress(),
                    null).await().atMost(Duration.ofSeconds(30)));
            assertEquals(503, shed.status());
            assertEquals("service-unavailable", shed.code());
            assertEquals(4, failures(pastTheDoor));
            assertNull(queryText("SELECT locked_until FROM login_lockout WHERE phone_e164 = '" + pastTheDoor.e164()
                    + "'"), "the shed attempt left no lock");
        }

        // With room in the pool again, sign-ins are checked and counted as usual.
        expectProblem(login(atTheDoor.typed(), WRONG, newDeviceId(), freshAddress()), 401, "invalid-credentials");
        assertEquals(1, failures(atTheDoor));
        expectProblem(login(pastTheDoor.typed(), WRONG, newDeviceId(), freshAddress()), 401, "invalid-credentials");
        assertEquals(5, failures(pastTheDoor));
    }
}
