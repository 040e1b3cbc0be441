package io.kessai.auth.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.spec.ECPoint;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.jose4j.keys.EllipticCurves;
import org.junit.jupiter.api.Test;

import io.kessai.common.problem.ProblemException;
import io.kessai.testing.DeviceKey;

/** The proof checks that need a clock of their own: nonces age out, and only this server's nonces count. */
class DpopVerifierTest {

    private static final String URL = "https://api.kessai.example/v1/sessions";
    private static final byte[] SECRET = "a secret of at least thirty-two bytes".getBytes();

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-02T03:00:00Z"));
    private final DpopVerifier verifier = new DpopVerifier(SECRET, Duration.ofMinutes(5), Duration.ofSeconds(30),
            () -> now.get());

    private String proof(DeviceKey key, String nonce) {
        return key.proof("POST", URL, nonce, UUID.randomUUID().toString(), now.get());
    }

    private static String refusal(Runnable check) {
        return assertThrows(ProblemException.class, check::run).code();
    }

    @Test
    void aProofOverAFreshNonceGivesTheKeysThumbprint() {
        DeviceKey key = DeviceKey.generate();
        DpopVerifier.Proof proof = verifier.verify(proof(key, verifier.nonce()), "POST", "/v1/sessions");
        assertEquals(key.thumbprint(), proof.thumbprint());
    }

    @Test
    void aNonceIsAcceptedForItsLifetimeAndNotAfter() {
        DeviceKey key = DeviceKey.generate();
        String nonce = verifier.nonce();
        now.set(now.get().plus(Duration.ofMinutes(5)));
        verifier.verify(proof(key, nonce), "POST", "/v1/sessions");
        now.set(now.get().plusSeconds(1));
        assertEquals("use-dpop-nonce", refusal(() -> verifier.verify(proof(key, nonce), "POST", "/v1/sessions")));
    }

    @Test
    void aNonceOfAnotherServerOrFromTheFutureIsNotOurs() {
        DeviceKey key = DeviceKey.generate();
        DpopVerifier other = new DpopVerifier("another secret, just as long as ours".getBytes(),
                Duration.ofMinutes(5), Duration.ofSeconds(30), () -> now.get());
        assertEquals("use-dpop-nonce",
                refusal(() -> verifier.verify(proof(key, other.nonce()), "POST", "/v1/sessions")));
        Instant today = now.get();
        now.set(today.plusSeconds(60));
        String ahead = verifier.nonce();
        now.set(today);
        assertEquals("use-dpop-nonce", refusal(() -> verifier.verify(proof(key, ahead), "POST", "/v1/sessions")));
    }

    @Test
    void onlyPointsOnP256AreKeys() {
        ECPoint generator = EllipticCurves.P256.getGenerator();
        assertTrue(DpopVerifier.onP256(generator));
        assertFalse(
                DpopVerifier.onP256(new ECPoint(generator.getAffineX(), generator.getAffineY().add(BigInteger.ONE))));
        assertFalse(DpopVerifier.onP256(new ECPoint(BigInteger.ZERO, BigInteger.ZERO)));
    }
}
