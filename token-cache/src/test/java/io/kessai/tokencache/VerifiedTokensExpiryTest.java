package io.kessai.tokencache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

/**
 * When {@link VerifiedTokens} forgets a token, decided by its clock alone: the clock here is moved by hand, so the
 * boundary is tested to the millisecond without waiting for it.
 */
class VerifiedTokensExpiryTest {

    private static final Instant EXPIRES = Instant.parse("2026-11-22T03:00:00Z");

    private final AtomicReference<Instant> now = new AtomicReference<>(EXPIRES.minus(Duration.ofMinutes(5)));
    private final InstantSource clock = now::get;
    private final VerifiedTokens tokens = new VerifiedTokens(new SimpleMeterRegistry(), clock,
            VerifiedTokens.MAX_TOKENS);

    /** The identity quarkus-oidc would hand over for a verified token with this {@code exp} (epoch seconds). */
    private static SecurityIdentity verified(String token, long exp) {
        return QuarkusSecurityIdentity.builder().setPrincipal(new Jwt("payment-service", exp)).addRole("service")
                .addCredential(new AccessTokenCredential(token)).build();
    }

    private record Jwt(String getName, long exp) implements JsonWebToken {

        @Override
        public Set<String> getClaimNames() {
            return Set.of("sub", "exp");
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getClaim(String claimName) {
            return (T) switch (claimName) {
                case "sub" -> getName;
                case "exp" -> (Object) exp;
                default -> null;
            };
        }
    }

    @Test
    void aTokenIsRememberedUntilItsExpiryAndNotFromThenOn() {
        tokens.augment(verified("t1", EXPIRES.getEpochSecond()), null).await().indefinitely();

        now.set(EXPIRES.minusMillis(1));
        assertTrue(tokens.remembers("t1"));
        SecurityIdentity found = tokens.find("t1");
        assertNotNull(found, "still valid a millisecond before exp");
        assertEquals("payment-service", found.getPrincipal().getName());
        assertEquals(Set.of("service"), found.getRoles());

        now.set(EXPIRES);
        assertFalse(tokens.remembers("t1"), "exp is the first instant the token is no longer valid");
        assertNull(tokens.find("t1"));

        // An entry found expired is dropped, not kept around: the cache does not grow with dead tokens that are asked
        // for again, and a later lookup, whatever the clock says, goes to quarkus-oidc for the full check.
        now.set(EXPIRES.minusSeconds(10));
        assertNull(tokens.find("t1"));
        assertFalse(tokens.remembers("t1"));
    }

    @Test
    void aTokenWithoutAnExpiryIsNeverRemembered() {
        tokens.augment(verified("no-exp", 0), null).await().indefinitely();
        assertFalse(tokens.remembers("no-exp"), "it would be remembered forever");
        assertNull(tokens.find("no-exp"));
        assertNull(tokens.find("never-seen"));
    }

    @Test
    void aFullCacheDropsItsExpiredTokensFirstAndStartsOverOnlyWhenThatFreesTooLittle() {
        VerifiedTokens small = new VerifiedTokens(new SimpleMeterRegistry(), clock, 8);
        // Six tokens about to expire, two living on.
        for (int i = 0; i < 6; i++) {
            small.augment(verified("old" + i, EXPIRES.getEpochSecond()), null).await().indefinitely();
        }
        long later = EXPIRES.plus(Duration.ofMinutes(10)).getEpochSecond();
        small.augment(verified("live1", later), null).await().indefinitely();
        small.augment(verified("live2", later), null).await().indefinitely();
        assertEquals(8, small.size());

        // Full, once they expired: the expired six go, the live two stay, and the new one is remembered.
        now.set(EXPIRES.plusSeconds(1));
        small.augment(verified("new1", later), null).await().indefinitely();
        assertEquals(3, small.size());
        assertTrue(small.remembers("live1") && small.remembers("live2") && small.remembers("new1"));

        // Full of live tokens: dropping the expired frees nothing, so it starts over with the new one alone.
        for (int i = 0; i < 5; i++) {
            small.augment(verified("more" + i, later), null).await().indefinitely();
        }
        assertEquals(8, small.size());
        small.augment(verified("last", later), null).await().indefinitely();
        assertEquals(1, small.size());
        assertTrue(small.remembers("last"));
        assertFalse(small.remembers("live1"));
    }
}
