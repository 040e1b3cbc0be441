package io.kessai.auth.login;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.testing.TestDatabase.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A sign-in storm larger than the hashing pool: the sign-ins it sheds (503) were never checked, so they must not count
 * towards anyone's lockout, or the storm would lock out the people caught in it.
 */
@QuarkusTest
@TestProfile(LoginSheddingTest.TinyHashingPool.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class LoginSheddingTest {

    public static class TinyHashingPool implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kessai.auth.password.workers", "1", "kessai.auth.password.queue", "1");
        }
    }

    @Test
    void shedSignInsDoNotCountTowardsLockout() throws Exception {
        List<Phone> phones = new ArrayList<>();
        // The common pool may have a single thread on a small machine: one thread per request makes them concurrent.
        ExecutorService clients = Executors.newFixedThreadPool(12);
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Phone phone = Phone.fresh();
            phones.add(phone);
            answers.add(CompletableFuture.supplyAsync(() -> login(phone.typed(), "wrong-password-storm",
                    newDeviceId(), freshAddress()).extract().statusCode(), clients));
        }
        int shed = 0;
        int refused = 0;
        for (int i = 0; i < phones.size(); i++) {
            int status = answers.get(i).get();
            long failures = count("SELECT coalesce(sum(failures), 0) FROM login_lockout WHERE phone_e164 = '"
                    + phones.get(i).e164() + "'");
            if (status == 503) {
                shed++;
                assertEquals(0, failures, "a shed sign-in was counted for " + phones.get(i).e164());
            } else {
                assertEquals(401, status);
                refused++;
                assertEquals(1, failures);
            }
        }
        clients.shutdown();
        assertTrue(shed > 0 && refused > 0, shed + " shed, " + refused + " refused: the storm must overflow the pool");
    }
}
