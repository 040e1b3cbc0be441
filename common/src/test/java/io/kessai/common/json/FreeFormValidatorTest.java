package io.kessai.common.json;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FreeFormValidatorTest {

    /** Where the limits under test are declared, as a request record declares them. */
    static class Limits {

        @FreeForm(maxDepth = 2, maxBytes = 20)
        Object twoLevelsTwentyBytes;
    }

    private static boolean valid(Object value) {
        FreeFormValidator validator = new FreeFormValidator();
        try {
            validator.initialize(Limits.class.getDeclaredField("twoLevelsTwentyBytes").getAnnotation(FreeForm.class));
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
        return validator.isValid(value, null);
    }

    @Test
    void theValueItselfIsTheFirstLevelAndArraysCountLikeObjects() {
        assertTrue(valid(Map.of()));
        assertTrue(valid(Map.of("a", Map.of("b", 1))));
        assertTrue(valid(Map.of("a", List.of(1, 2))));
        assertFalse(valid(Map.of("a", Map.of("b", Map.of()))));
        assertFalse(valid(Map.of("a", List.of(List.of()))));
        assertFalse(valid(List.of(List.of(Map.of()))));
    }

    @Test
    void theSizeIsTheValueWrittenAsJson() {
        assertTrue(valid(Map.of("n", "x".repeat(12)))); // {"n":"xxxxxxxxxxxx"} is 20 bytes
        assertFalse(valid(Map.of("n", "x".repeat(13))));
        assertFalse(valid(Map.of("n", "é".repeat(7)))); // 7 characters but 14 bytes in UTF-8: 22 in all
    }

    @Test
    void noValueIsValid() {
        assertTrue(valid(null));
    }
}
