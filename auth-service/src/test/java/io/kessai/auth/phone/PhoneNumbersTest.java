package io.kessai.auth.phone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.kessai.common.problem.ProblemException;

class PhoneNumbersTest {

    @ParameterizedTest
    @ValueSource(strings = {"090-1234-5678", "09012345678", "+81 90 1234 5678", "+819012345678", "(090) 1234-5678",
            "+81-90-1234-5678"})
    void japaneseMobileNumbersInNationalOrInternationalFormBecomeOneE164Number(String typed) {
        assertEquals("+819012345678", PhoneNumbers.toE164(typed, "phone"));
    }

    @Test
    void otherJapaneseMobileRangesAndForeignMobilesAreAccepted() {
        assertEquals("+818012345678", PhoneNumbers.toE164("080-1234-5678", "phone"));
        assertEquals("+817012345678", PhoneNumbers.toE164("070-1234-5678", "phone"));
        assertEquals("+447400123456", PhoneNumbers.toE164("+44 7400 123456", "phone"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "hello", "090-1234", "03-1234-5678", "0120-123-456", "+1 202 555 01",
            "+81 90 1234 5678 9999 9999 9999 9999 99"})
    void nonNumbersShortNumbersLandlinesAndFreeDialAreRefused(String typed) {
        ProblemException refused = assertThrows(ProblemException.class, () -> PhoneNumbers.toE164(typed, "phone"));
        assertEquals("invalid-phone-number", refused.code());
        assertEquals(400, refused.status());
        assertEquals("phone", refused.errors().get(0).field());
    }

    @Test
    void theNationalDigitsAreWhatAPersonRecognises() {
        assertEquals("9012345678", PhoneNumbers.nationalDigits("+819012345678"));
    }
}
