package io.kessai.payment.qr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class Crc16Test {

    @Test
    void theCatalogueCheckValueOfCrc16CcittFalseIs29B1() {
        // The check value every CRC catalogue gives for CRC-16/CCITT-FALSE: the CRC of the ASCII digits 1 to 9.
        assertEquals(0x29B1, Crc16.of("123456789".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void theSpecificationSampleHasCrcA13AOverItsUtf8Bytes() {
        String covered = Payloads.SPEC_SAMPLE.substring(0, Payloads.SPEC_SAMPLE.length() - 4);
        assertEquals("A13A", Crc16.of(covered));
    }

    @Test
    void aSmallCrcIsPrintedAsFourDigitsWithLeadingZeros() {
        String covered = Payloads.LEADING_ZERO_CRC.substring(0, Payloads.LEADING_ZERO_CRC.length() - 4);
        assertEquals(0x0B49, Crc16.of(covered.getBytes(StandardCharsets.UTF_8)));
        assertEquals("0B49", Crc16.of(covered));
        // Two leading zeros: the same store code for store-226.
        assertEquals("0076", Crc16.of(
                "00020101021126260009io.kessai0109store-2265204581253033925802JP5911KESSAI CAFE6005TOKYO6304"));
    }

    @Test
    void theEmptyInputHasTheInitialValue() {
        assertEquals(0xFFFF, Crc16.of(new byte[0]));
    }
}
