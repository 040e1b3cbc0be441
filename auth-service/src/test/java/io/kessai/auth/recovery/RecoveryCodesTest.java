package io.kessai.auth.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class RecoveryCodesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    RecoveryCodes recovery;

    @Inject
    Pool pool;

    private List<String> replace(UUID user) {
        return pool.withTransaction(tx -> recovery.replace(tx, user)).await().atMost(WAIT);
    }

    private boolean use(UUID user, String code) {
        return pool.withTransaction(tx -> recovery.use(tx, user, code)).await().atMost(WAIT);
    }

    private int remaining(UUID user) {
        return pool.withTransaction(tx -> recovery.remaining(tx, user)).await().atMost(WAIT);
    }

    @Test
    void tenDistinctCodesAreShownOnceAndStoredOnlyAsKeyedHashes() {
        UUID user = UUID.randomUUID();
        List<String> codes = replace(user);
        assertEquals(10, codes.size());
        assertEquals(10, new HashSet<>(codes).size());
        codes.forEach(code -> assertTrue(code.matches("[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}"), code));
        List<String> stored = pool.preparedQuery("SELECT code_hmac FROM recovery_code WHERE user_id = $1")
                .execute(Tuple.of(user)).await().atMost(WAIT).stream().map(row -> row.getString("code_hmac"))
                .toList();
        assertEquals(10, stored.size());
        for (String code : codes) {
            String bare = code.replace("-", "");
            stored.forEach(hash -> assertFalse(hash.toUpperCase().contains(bare)));
        }
    }

    @Test
    void eachCodeWorksOnceForItsUserOnlyAndIsReadLeniently() {
        UUID user = UUID.randomUUID();
        List<String> codes = replace(user);
        assertFalse(use(UUID.randomUUID(), codes.get(0)), "another user's code");
        assertTrue(use(user, " " + codes.get(0).toLowerCase() + " "));
        assertFalse(use(user, codes.get(0)), "used before");
        assertTrue(use(user, codes.get(1).replace("-", "")));
        assertFalse(use(user, "00000-00000"));
        assertFalse(use(user, "not a code"));
        assertFalse(use(user, null));
        assertEquals(8, remaining(user));
    }

    @Test
    void aNewSetRevokesTheOldOne() {
        UUID user = UUID.randomUUID();
        List<String> old = replace(user);
        List<String> fresh = replace(user);
        assertFalse(use(user, old.get(2)));
        assertTrue(use(user, fresh.get(2)));
        assertEquals(9, remaining(user));
    }

    @Test
    void lookAlikeLettersAreNotPartOfCodes() {
        assertNull(RecoveryCodes.normalize("ILOU0-12345"));
        assertEquals("ABCDE12345", RecoveryCodes.normalize("abcde-12345"));
    }
}
