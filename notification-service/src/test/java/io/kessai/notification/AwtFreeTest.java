package io.kessai.notification;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kessai.testing.AwtFreeClasses;

/** The native executable needs no AWT libraries: no class of this service or of the modules it ships names one. */
class AwtFreeTest {

    @Test
    void noShippedClassNamesAwtOrImageIo() {
        assertEquals(List.of(), AwtFreeClasses.offenders());
    }
}
