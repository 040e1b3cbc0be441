package io.kessai.payment.qr;

import static io.kessai.payment.qr.Payloads.GUID;
import static io.kessai.payment.qr.Payloads.order;
import static io.kessai.payment.qr.Payloads.ours;
import static io.kessai.payment.qr.Payloads.refusal;
import static io.kessai.payment.qr.Payloads.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;

import org.junit.jupiter.api.Test;

import io.kessai.common.problem.ProblemException;

/** Kessai's codes: what we write, what we read back, and which codes we refuse to pay. */
class MpmCodecTest {

    private static final MpmCodec CODEC = new MpmCodec(GUID);
    private static final MpmCode STORE = MpmCode.forStore("store-4", "5812", "KESSAI CAFE", "TOKYO", null);
    private static final MpmCode ORDER = MpmCode.forOrder("store-4", "5812", "KESSAI CAFE", "TOKYO", 1200,
            "order-1001", "till-2");

    @Test
    void aStoreCodeIsWrittenTagByTagWithItsCrcLast() {
        assertEquals(Payloads.LEADING_ZERO_CRC, CODEC.encode(STORE));
        assertEquals(ours().signed(), CODEC.encode(STORE));
    }

    @Test
    void anOrderCodeCarriesItsAmountAndOrder() {
        String payload = CODEC.encode(ORDER);

        assertEquals("00020101021226240009io.kessai0107store-4520458125303392540412005802JP5911KESSAI CAFE6005TOKYO"
                + "62240510order-10010706till-26304036D", payload);
        assertEquals(order().signed(), payload);
    }

    @Test
    void codesReadBackAsTheyWereWritten() {
        assertEquals(STORE, CODEC.decode(CODEC.encode(STORE)));
        assertEquals(ORDER, CODEC.decode(CODEC.encode(ORDER)));
        MpmCode till = MpmCode.forStore("store-4", "5812", "KESSAI CAFE", "TOKYO", "till-9");
        assertEquals(till, CODEC.decode(CODEC.encode(till)));
    }

    @Test
    void aCodeWithACrcWithLeadingZerosIsRead() {
        MpmCode read = CODEC.decode(Payloads.LEADING_ZERO_CRC);

        assertEquals(MpmCode.Kind.STATIC, read.kind());
        assertEquals("store-4", read.merchantReference());
        assertNull(read.amountYen());
    }

    @Test
    void aLowerCaseCrcIsAccepted() {
        String payload = CODEC.encode(ORDER);
        String lower = payload.substring(0, payload.length() - 4) + payload.substring(payload.length() - 4)
                .toLowerCase(Locale.ROOT);

        assertEquals(ORDER, CODEC.decode(lower));
    }

    @Test
    void japaneseNamesAreWrittenWithTheirLengthInCharacters() {
        MpmCode code = MpmCode.forOrder("store-4", "5812", "カフェ・ケッサイ", "東京", 1200, "order-1001", "till-2");
        String payload = CODEC.encode(code);

        assertEquals("00020101021226240009io.kessai0107store-4520458125303392540412005802JP5908カフェ・ケッサイ6002東京"
                + "62240510order-10010706till-2630498F6", payload);
        assertEquals(code, CODEC.decode(payload));
        MpmCode yoshinoya = MpmCode.forStore("store-4", "5812", "𠮷野家 銀座店", "東京", null);
        assertTrue(CODEC.encode(yoshinoya).contains("5907𠮷野家 銀座店"));
        assertEquals(yoshinoya, CODEC.decode(CODEC.encode(yoshinoya)));
    }

    @Test
    void theSpecificationSampleIsAnotherNetworksCode() {
        // It passes EMVCo's rules (MpmPayloadTest) but carries no Kessai template; it is in yuan besides.
        refusal("qr-foreign", () -> CODEC.decode(Payloads.SPEC_SAMPLE));
    }

    @Test
    void aCodeOfOursInAnotherCurrencyIsRefused() {
        ProblemException problem = refusal("qr-wrong-currency", () -> CODEC.decode(ours().replacing("53", "156")
                .signed()));
        assertEquals(422, problem.status());
    }

    @Test
    void theGuidIsTheCodecsOwn() {
        String payload = CODEC.encode(STORE);

        ProblemException problem = refusal("qr-foreign", () -> new MpmCodec("com.example.pay").decode(payload));
        assertEquals(422, problem.status());
        assertTrue(new MpmCodec("com.example.pay").encode(STORE).contains("26300015com.example.pay0107store-4"));
    }

    @Test
    void ourTemplateIsFoundBesideOtherNetworksTemplates() {
        // A JPQR code shared by networks: theirs in 26, ours in 27, a card network's primitive in 04.
        String shared = ours().replacing("26", template("00", "jp.or.paymentsjapan", "01", "0000000000001"))
                .with("27", template("00", GUID, "01", "store-4")).with("04", "4111111111111111").signed();

        assertEquals(STORE, CODEC.decode(shared));
    }

    @Test
    void tagsWeDoNotUseAreIgnored() {
        String payload = order().with("61", "1066143").with("64", template("00", "JA", "01", "ケッサイ"))
                .with("80", template("00", "com.example", "01", "x")).replacing("62", template("01", "bill-7", "05",
                        "order-1001", "07", "till-2"))
                .signed();

        assertEquals(ORDER, CODEC.decode(payload));
    }

    @Test
    void twoTemplatesWithOurGuidAreRefused() {
        refusal("qr-duplicate-tag", () -> CODEC.decode(ours().with("27", template("00", GUID, "01", "store-5"))
                .signed()));
    }

    @Test
    void anOrderCodeNeedsItsAmountAndOrder() {
        refusal("qr-missing-tag", () -> CODEC.decode(order().without("54").signed()));
        refusal("qr-missing-tag", () -> CODEC.decode(order().without("62").signed()));
        refusal("qr-missing-tag", () -> CODEC.decode(order().replacing("62", template("07", "till-2")).signed()));
    }

    @Test
    void ourTemplateNeedsTheMerchantReference() {
        refusal("qr-missing-tag", () -> CODEC.decode(ours().replacing("26", template("00", GUID)).signed()));
    }

    @Test
    void aStoreCodeCarriesNoAmount() {
        refusal("qr-bad-value", () -> CODEC.decode(ours().with("54", "1200").signed()));
    }

    @Test
    void yenAreWholeDigitsWithoutLeadingZeros() {
        refusal("qr-bad-value", () -> CODEC.decode(order().replacing("54", "1200.00").signed()));
        refusal("qr-bad-value", () -> CODEC.decode(order().replacing("54", "01200").signed()));
        assertEquals(9_999_999_999_999L, CODEC.decode(order().replacing("54", "9999999999999").signed())
                .amountYen());
    }

    @Test
    void ourCodesAreForJapanAndCarryNoTip() {
        refusal("qr-bad-value", () -> CODEC.decode(ours().replacing("58", "CN").signed()));
        refusal("qr-bad-value", () -> CODEC.decode(order().with("55", "01").signed()));
        refusal("qr-bad-value", () -> CODEC.decode(order().with("56", "100").signed()));
    }

    @Test
    void ourOwnFieldsHaveOurShapes() {
        refusal("qr-bad-value", () -> CODEC.decode(ours().replacing("26", template("00", GUID, "01", "store 4"))
                .signed()));
        refusal("qr-bad-value", () -> CODEC.decode(order().replacing("62", template("05", "注文-1")).signed()));
        // A right-to-left override would show the payer a name other than the one encoded.
        refusal("qr-bad-value", () -> CODEC.decode(ours().replacing("59", "KESSAI \u202ECAFE").signed()));
        refusal("qr-bad-value", () -> CODEC.decode(ours().replacing("59", "   ").signed()));
    }

    @Test
    void aCodeThatBreaksOurRulesCannotBeBuilt() {
        refusal("qr-bad-value", () -> MpmCode.forStore("store-4", "5812", "K".repeat(26), "TOKYO", null));
        refusal("qr-bad-value", () -> MpmCode.forStore("store-4", "5812", "KESSAI", "T".repeat(16), null));
        refusal("qr-bad-value", () -> MpmCode.forStore("store-4", "581", "KESSAI", "TOKYO", null));
        refusal("qr-bad-value", () -> MpmCode.forStore("s".repeat(60), "5812", "KESSAI", "TOKYO", null));
        refusal("qr-bad-value", () -> MpmCode.forOrder("store-4", "5812", "KESSAI", "TOKYO", 0, "order-1", null));
        refusal("qr-bad-value", () -> MpmCode.forOrder("store-4", "5812", "KESSAI", "TOKYO", 10_000_000_000_000L,
                "order-1", null));
        refusal("qr-bad-value", () -> MpmCode.forOrder("store-4", "5812", "KESSAI", "TOKYO", 100, "o".repeat(26),
                null));
        refusal("qr-missing-tag", () -> MpmCode.forOrder("store-4", "5812", "KESSAI", "TOKYO", 100, null, null));
        refusal("qr-bad-value", () -> new MpmCode(MpmCode.Kind.STATIC, "store-4", "5812", "KESSAI", "TOKYO", 100L,
                null, null));
        assertEquals(25, MpmCode.forStore("store-4", "5812", "ケ".repeat(25), "東".repeat(15), null).merchantName()
                .length());
    }

    @Test
    void theLongestCodeIsWellWithinTheLimit() {
        MpmCodec longGuid = new MpmCodec("G".repeat(32));
        MpmCode longest = MpmCode.forOrder("r".repeat(59), "5812", "𠮷".repeat(25), "𠮷".repeat(15),
                MpmCode.MAX_AMOUNT_YEN, "o".repeat(25), "t".repeat(25));
        String payload = longGuid.encode(longest);

        assertEquals(271, PayloadText.length(payload));
        assertEquals(longest, longGuid.decode(payload));
    }

    @Test
    void aGuidMustFitTheTemplate() {
        assertThrows(IllegalArgumentException.class, () -> new MpmCodec("G".repeat(33)));
        assertThrows(IllegalArgumentException.class, () -> new MpmCodec("io kessai"));
        assertThrows(IllegalArgumentException.class, () -> new MpmCodec(""));
    }
}
