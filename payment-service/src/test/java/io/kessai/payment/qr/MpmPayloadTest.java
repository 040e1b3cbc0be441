package io.kessai.payment.qr;

import static io.kessai.payment.qr.Payloads.ours;
import static io.kessai.payment.qr.Payloads.refusal;
import static io.kessai.payment.qr.Payloads.sign;
import static io.kessai.payment.qr.Payloads.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import io.kessai.common.problem.ProblemException;

/** The EMVCo rules, for anyone's code: what is accepted, and which problem each broken rule gets. */
class MpmPayloadTest {

    @Test
    void theSpecificationSampleIsAcceptedWithAllItsTagsInPayloadOrder() {
        MpmPayload sample = MpmPayload.parse(Payloads.SPEC_SAMPLE);

        assertEquals(List.of("00", "01", "29", "31", "52", "58", "59", "60", "64", "54", "53", "55", "62", "91", "63"),
                sample.ids());
        assertEquals("12", sample.value("01").orElseThrow());
        assertEquals("D15600000000", sample.find("29").orElseThrow().childValue("00").orElseThrow());
        assertEquals("A93FO3230Q", sample.find("29").orElseThrow().childValue("05").orElseThrow());
        assertEquals("12345678", sample.find("31").orElseThrow().childValue("03").orElseThrow());
        assertEquals("4111", sample.value("52").orElseThrow());
        assertEquals("CN", sample.value("58").orElseThrow());
        assertEquals("BEST TRANSPORT", sample.value("59").orElseThrow());
        assertEquals("BEIJING", sample.value("60").orElseThrow());
        assertEquals("23.72", sample.value("54").orElseThrow());
        assertEquals("156", sample.value("53").orElseThrow());
        assertEquals("01", sample.value("55").orElseThrow());
        assertEquals("A6008667", sample.find("62").orElseThrow().childValue("07").orElseThrow());
        assertEquals("***", sample.find("62").orElseThrow().childValue("06").orElseThrow());
        assertEquals("A13A", sample.value("63").orElseThrow());
        assertEquals("A011223344998877", sample.find("91").orElseThrow().childValue("00").orElseThrow());
    }

    @Test
    void lengthsCountCharactersNotBytes() {
        // Template 64 of the sample: 最佳运输 is 4 characters (12 bytes of UTF-8), 北京 is 2.
        DataObject language = MpmPayload.parse(Payloads.SPEC_SAMPLE).find("64").orElseThrow();

        assertEquals("ZH", language.childValue("00").orElseThrow());
        assertEquals("最佳运输", language.childValue("01").orElseThrow());
        assertEquals("北京", language.childValue("02").orElseThrow());
        assertEquals(20, PayloadText.length(language.value()));
    }

    @Test
    void aCharacterOutsideTheBasicPlaneCountsOnce() {
        // 𠮷 is two chars in Java and one character to EMVCo.
        String payload = ours().replacing("59", "𠮷野家").signed();

        assertTrue(payload.contains("5903𠮷野家"), payload);
        assertEquals("𠮷野家", MpmPayload.parse(payload).value("59").orElseThrow());
    }

    @Test
    void aLowerCaseCrcIsAccepted() {
        String payload = ours().replacing("59", "KESSAI BAR").signed();
        String lower = payload.substring(0, payload.length() - 4) + payload.substring(payload.length() - 4)
                .toLowerCase(Locale.ROOT);

        assertEquals(payload.substring(payload.length() - 4).toLowerCase(Locale.ROOT), MpmPayload.parse(lower)
                .value("63").orElseThrow());
    }

    @Test
    void aCrcWithLeadingZerosIsAccepted() {
        assertEquals("0B49", MpmPayload.parse(Payloads.LEADING_ZERO_CRC).value("63").orElseThrow());
    }

    @Test
    void primitiveMerchantAccountInformationNeedNotBeDataObjects() {
        // 02–25 belong to the card networks and are plain values; the same text in 26 would be a broken template.
        MpmPayload payload = MpmPayload.parse(ours().without("26").with("04", "4111ABCD").signed());

        assertEquals("4111ABCD", payload.value("04").orElseThrow());
        assertFalse(payload.find("04").orElseThrow().isTemplate());
        refusal("qr-malformed", () -> MpmPayload.parse(ours().replacing("26", "4111ABCD").signed()));
    }

    @Test
    void aPayloadOf512CharactersIsAcceptedAndOneOf513IsTooLong() {
        Payloads.Fields fields = ours();
        for (String id : List.of("65", "66", "67", "68")) {
            fields.with(id, "X".repeat(99));
        }
        String longest = fields.with("69", "XXX").signed();
        String tooLong = fields.replacing("69", "XXXX").signed();

        assertEquals(512, longest.length());
        assertEquals(List.of("65", "66", "67", "68", "69"), MpmPayload.parse(longest).ids().subList(8, 13));
        assertEquals(513, tooLong.length());
        refusal("qr-too-long", () -> MpmPayload.parse(tooLong));
    }

    @Test
    void lengthLimitCountsCharactersToo() {
        // 400 kanji are 400 characters (1,200 bytes): within 512.
        Payloads.Fields fields = ours();
        for (String id : List.of("65", "66", "67", "68")) {
            fields.with(id, "漢".repeat(99));
        }
        String payload = fields.signed();

        assertTrue(payload.getBytes(StandardCharsets.UTF_8).length > 1000);
        assertEquals("漢".repeat(99), MpmPayload.parse(payload).value("68").orElseThrow());
    }

    @Test
    void nothingIsMalformed() {
        refusal("qr-malformed", () -> MpmPayload.parse(""));
        refusal("qr-malformed", () -> MpmPayload.parse(null));
    }

    @Test
    void aTruncatedPayloadIsMalformed() {
        String payload = Payloads.LEADING_ZERO_CRC;

        refusal("qr-malformed", () -> MpmPayload.parse(payload.substring(0, 38)));
        refusal("qr-malformed", () -> MpmPayload.parse(payload.substring(0, payload.length() - 1)));
        refusal("qr-malformed", () -> MpmPayload.parse(payload.substring(0, payload.length() - 6)));
    }

    @Test
    void anIdOrLengthThatIsNotTwoDigitsIsMalformed() {
        String body = ours().body();

        refusal("qr-malformed", () -> MpmPayload.parse(sign(body + "A10312")));
        refusal("qr-malformed", () -> MpmPayload.parse(sign(body + "650X12")));
        // Full-width digits are digits to Character.isDigit and Integer.parseInt, not to EMVCo.
        refusal("qr-malformed", () -> MpmPayload.parse(sign(body + "65０３123")));
        refusal("qr-malformed", () -> MpmPayload.parse(sign(body + "６５03123")));
    }

    @Test
    void aValueOfLengthZeroIsMalformed() {
        refusal("qr-malformed", () -> MpmPayload.parse(sign(ours().body() + "6500")));
    }

    @Test
    void aValueRunningPastTheEndOfItsTemplateIsMalformed() {
        refusal("qr-malformed", () -> MpmPayload.parse(ours().replacing("26", "0009io.kessai0120store-4").signed()));
        refusal("qr-malformed", () -> MpmPayload.parse(ours().with("62", "05").signed()));
    }

    @Test
    void controlCharactersAndBrokenSurrogatePairsAreMalformed() {
        refusal("qr-malformed", () -> MpmPayload.parse(ours().replacing("59", "KESSAI\nCAFE").signed()));
        refusal("qr-malformed", () -> MpmPayload.parse(ours().replacing("59", "KESSAI\uD842CAFE").signed()));
    }

    @Test
    void theFormatIndicatorMustComeFirstAndTheCrcLast() {
        Payloads.Fields fields = ours();
        String formatSecond = ours().without("00").body().substring(0, 6) + "000201" + ours().without("00").body()
                .substring(6);

        refusal("qr-bad-order", () -> MpmPayload.parse(sign(formatSecond)));
        refusal("qr-bad-order", () -> MpmPayload.parse(fields.signed() + "6503ABC"));
        refusal("qr-missing-tag", () -> MpmPayload.parse(ours().without("00").signed()));
        refusal("qr-missing-tag", () -> MpmPayload.parse(ours().body()));
    }

    @Test
    void aCrcThatDoesNotMatchIsRefused() {
        String payload = Payloads.LEADING_ZERO_CRC;
        String otherName = payload.replace("KESSAI CAFE", "KESSAI CAFF");

        refusal("qr-bad-crc", () -> MpmPayload.parse(otherName));
        refusal("qr-bad-crc", () -> MpmPayload.parse(payload.substring(0, payload.length() - 4) + "0B4G"));
        refusal("qr-bad-crc", () -> MpmPayload.parse(payload.substring(0, payload.length() - 8) + "63050B49A"));
        // The CRC is checked before any value: a misread name is a bad CRC, not a bad name.
        refusal("qr-bad-crc", () -> MpmPayload.parse(payload.replace("5802JP", "5802J1")));
    }

    @Test
    void eachIdAppearsOnceAtTheTopAndInEachTemplate() {
        refusal("qr-duplicate-tag", () -> MpmPayload.parse(ours().with("60", "OSAKA").signed()));
        refusal("qr-duplicate-tag", () -> MpmPayload.parse(ours().replacing("26", template("00", "io.kessai", "01",
                "store-4", "01", "store-5")).signed()));
        refusal("qr-duplicate-tag", () -> MpmPayload.parse(ours().with("62", template("05", "a", "05", "b"))
                .signed()));
    }

    @Test
    void everyMandatoryTagMustBePresent() {
        for (String id : List.of("01", "52", "53", "58", "59", "60")) {
            ProblemException problem = refusal("qr-missing-tag", () -> MpmPayload.parse(ours().without(id)
                    .signed()));
            assertTrue(problem.getMessage().contains("Tag " + id), problem.getMessage());
        }
    }

    @Test
    void aCodeNeedsMerchantAccountInformation() {
        refusal("qr-missing-tag", () -> MpmPayload.parse(ours().without("26").signed()));
        // A merchant account template names its network by a globally unique identifier, sub-tag 00.
        refusal("qr-missing-tag", () -> MpmPayload.parse(ours().replacing("26", template("01", "store-4"))
                .signed()));
    }

    @Test
    void aLanguageTemplateNeedsItsLanguageAndName() {
        refusal("qr-missing-tag", () -> MpmPayload.parse(ours().with("64", template("00", "JA")).signed()));
        assertEquals("ケッサイ", MpmPayload.parse(ours().with("64", template("00", "JA", "01", "ケッサイ")).signed())
                .find("64").orElseThrow().childValue("01").orElseThrow());
    }

    @Test
    void valuesOfTheWrongShapeAreBadValues() {
        List<Payloads.Fields> bad = List.of(ours().replacing("00", "02"), ours().replacing("01", "13"),
                ours().replacing("52", "58A2"), ours().replacing("52", "581"), ours().replacing("53", "39"),
                ours().replacing("53", "JPY"), ours().replacing("58", "jp"), ours().replacing("58", "J1"),
                ours().replacing("58", "JPN"), ours().replacing("59", "K".repeat(26)),
                ours().replacing("60", "T".repeat(16)), ours().with("54", "-100"), ours().with("54", "1.2.3"),
                ours().with("54", "0"), ours().with("54", "0.00"), ours().with("54", ".5"), ours().with("54", "5."),
                ours().with("54", "1e3"), ours().with("54", "12345678901234"), ours().with("61", "12345678901"),
                ours().replacing("26", template("00", "G".repeat(33), "01", "store-4")),
                ours().with("62", template("05", "R".repeat(26))));
        for (Payloads.Fields fields : bad) {
            refusal("qr-bad-value", () -> MpmPayload.parse(fields.signed()));
        }
    }

    @Test
    void amountsOfOtherCurrenciesMayHaveDecimals() {
        assertEquals("98.73", MpmPayload.parse(ours().with("54", "98.73").signed()).value("54").orElseThrow());
        assertEquals("1234567890123", MpmPayload.parse(ours().with("54", "1234567890123").signed()).value("54")
                .orElseThrow());
    }

    @Test
    void aNameOf25JapaneseCharactersIsNotTooLong() {
        String name = "ケ".repeat(25);

        assertEquals(name, MpmPayload.parse(ours().replacing("59", name).signed()).value("59").orElseThrow());
    }

    @Test
    void aProblemDetailDoesNotEchoThePayload() {
        String secret = "SECRET-CARD-4111111111111111";
        List<String> refused = List.of(ours().with("65", secret).body(), sign(ours().with("65", secret).body()
                + "650X"), ours().with("65", secret).signed().replace("KESSAI", "KESSAJ"), ours()
                        .replacing("59",
                                secret)
                        .signed());
        for (String payload : refused) {
            ProblemException problem = assertThrows(ProblemException.class, () -> MpmPayload.parse(payload));
            assertFalse(problem.getMessage().contains("SECRET"), problem.getMessage());
            assertTrue(problem.getMessage().length() < 160, problem.getMessage());
        }
    }
}
