package io.kessai.auth.password;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    private static final PasswordHasher.Cost OWASP = new PasswordHasher.Cost(19_456, 2, 1);

    /** RFC 9106 section 5.3: the Argon2id test vector (with secret and associated data). */
    @Test
    void argon2idMatchesTheRfc9106TestVector() {
        byte[] password = filled(32, 0x01);
        byte[] salt = filled(16, 0x02);
        byte[] secret = filled(8, 0x03);
        byte[] associatedData = filled(12, 0x04);
        byte[] tag = PasswordHasher.derive(password, salt, new PasswordHasher.Cost(32, 3, 4), 32, secret,
                associatedData);
        assertArrayEquals(HexFormat.of().parseHex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"),
                tag);
    }

    @Test
    void aHashVerifiesItsPasswordAndNoOther() {
        String stored = PasswordHasher.hash("correct horse battery staple", OWASP);
        assertTrue(stored.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), stored);
        assertTrue(PasswordHasher.matches("correct horse battery staple", stored));
        assertFalse(PasswordHasher.matches("correct horse battery stapler", stored));
        assertFalse(PasswordHasher.matches("", stored));
    }

    @Test
    void theSamePasswordHashesDifferentlyEachTime() {
        assertNotEquals(PasswordHasher.hash("tsukemen-at-lunch-4", OWASP),
                PasswordHasher.hash("tsukemen-at-lunch-4", OWASP));
    }

    @Test
    void theCostTravelsWithTheHashSoOldHashesAreNoticed() {
        String cheap = PasswordHasher.hash("tsukemen-at-lunch-4", new PasswordHasher.Cost(8_192, 1, 1));
        assertEquals(new PasswordHasher.Cost(8_192, 1, 1), PasswordHasher.costOf(cheap));
        assertTrue(PasswordHasher.matches("tsukemen-at-lunch-4", cheap));
    }

    @Test
    void malformedStoredHashesNeverMatch() {
        for (String stored : new String[]{null, "", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
                "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"}) {
            assertFalse(PasswordHasher.matches("anything at all", stored), String.valueOf(stored));
        }
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
