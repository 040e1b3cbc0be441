package io.kessai.auth.till;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class TillSecretsTest {

    @Test
    void aSecretIs256RandomBitsInBase64Url() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String secret = TillSecrets.generate();
            assertTrue(secret.matches("[A-Za-z0-9_-]{43}"), secret);
            assertEquals(32, Base64.getUrlDecoder().decode(secret).length);
            assertTrue(seen.add(secret));
        }
    }

    @Test
    void onlyTheSecretMatchesItsDigest() {
        String secret = TillSecrets.generate();
        byte[] digest = TillSecrets.digest(secret);
        assertEquals(32, digest.length);
        assertTrue(TillSecrets.matches(digest, secret));
        assertFalse(TillSecrets.matches(digest, secret + "x"));
        assertFalse(TillSecrets.matches(digest, ""));
        assertFalse(TillSecrets.matches(digest, null));
    }

    @Test
    void noTillMatchesNothingNotEvenTheEmptySecret() {
        assertFalse(TillSecrets.matches(null, ""));
        assertFalse(TillSecrets.matches(null, TillSecrets.generate()));
    }
}
