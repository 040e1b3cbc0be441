package io.kessai.common.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class TimeOrderedUuidTest {

    @Test
    void idsAreVersion7WithTheRfcVariantAndCarryTheirTime() {
        long before = System.currentTimeMillis();
        UUID id = TimeOrderedUuid.next();
        long after = System.currentTimeMillis();
        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        long millis = id.getMostSignificantBits() >>> 16;
        assertTrue(millis >= before && millis <= after, "timestamp " + millis);
    }

    @Test
    void idsMadeLaterSortAfterAndNoneRepeat() {
        UUID first = TimeOrderedUuid.next();
        // "Later" means a later millisecond (ids of one millisecond are in random order): make ids until the clock
        // has moved on, instead of sleeping and hoping it did.
        UUID second;
        do {
            second = TimeOrderedUuid.next();
        } while (millis(second) <= millis(first));
        assertTrue(first.toString().compareTo(second.toString()) < 0, first + " before " + second);
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertTrue(seen.add(TimeOrderedUuid.next()));
        }
    }

    private static long millis(UUID id) {
        return id.getMostSignificantBits() >>> 16;
    }
}
