package io.kessai.auth.password;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.kessai.common.problem.ProblemException;

class PasswordPolicyTest {

    private static final String PHONE = "+819012345678";

    @ParameterizedTest
    @ValueSource(strings = {"correct horse battery staple", "tsukemen-at-lunch-4", "しずかな森の朝ごはん", "Ume to sakura 1987!"})
    void longUnrelatedPassphrasesAreAcceptedWithoutCompositionRules(String password) {
        assertEquals(List.of(), PasswordPolicy.reasons(password, PHONE));
    }

    @Test
    void shortPasswordsAreRefusedWhateverTheirCharacters() {
        assertTrue(PasswordPolicy.reasons("Aa1!Aa1!a", PHONE).get(0).contains("at least 10"));
        assertTrue(PasswordPolicy.reasons("x".repeat(129), PHONE).get(0).contains("at most 128"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1234567890", "qwertyuiop", "PASSWORD123", "iloveyou12", "kessai2024!", "aaaaaaaaaaaa",
            "abcdefghijk", "password1234"})
    void commonBreachedOrEasilyGuessedPasswordsAreRefused(String password) {
        assertTrue(!PasswordPolicy.reasons(password, PHONE).isEmpty(), password + " should be refused");
    }

    @Test
    void aPasswordContainingThePhoneNumberIsRefused() {
        assertTrue(PasswordPolicy.reasons("me-9012345678-pay", PHONE).stream()
                .anyMatch(reason -> reason.contains("phone number")));
        assertTrue(PasswordPolicy.reasons("819012345678xyzzy", PHONE).stream()
                .anyMatch(reason -> reason.contains("phone number")));
    }

    @Test
    void aRefusalIsAProblemNamingTheField() {
        ProblemException refused = assertThrows(ProblemException.class,
                () -> PasswordPolicy.check("qwertyuiop", PHONE, "password"));
        assertEquals("weak-password", refused.code());
        assertEquals(400, refused.status());
        assertEquals("password", refused.errors().get(0).field());
    }
}
