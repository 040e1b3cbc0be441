package io.kessai.payment.qr;

import java.util.List;
import java.util.Optional;

/**
 * Writes Kessai's merchant-presented codes and reads them back strictly: the EMVCo rules first ({@link MpmPayload}),
 * then ours. A code is ours when one merchant account template (26–51) carries our globally unique identifier; it is
 * then in yen, in Japan, and, when dynamic, names an amount and an order. Other networks' templates and tags we do not
 * use may sit beside ours, as in a JPQR code shared by several networks, and are ignored.
 */
public final class MpmCodec {

    public static final String CURRENCY_YEN = "392";
    public static final String COUNTRY_JAPAN = "JP";
    /** The template our encoder writes; reading accepts ours in any of 26–51. */
    public static final String MERCHANT_ACCOUNT_TAG = "26";
    private static final int GUID_MAX_LENGTH = 32;
    /** Tip or convenience fee: they change what the payer pays, and our codes' amount is the amount. */
    private static final List<String> TIP_TAGS = List.of("55", "56", "57");

    private final String guid;

    /**
     * @param guid our globally unique identifier, sub-tag 00 of our merchant account template, e.g. "io.kessai" (a
     *        reverse domain name): 1 to 32 visible ASCII characters
     */
    public MpmCodec(String guid) {
        if (guid == null || !PayloadText.isVisibleAscii(guid) || guid.length() > GUID_MAX_LENGTH) {
            throw new IllegalArgumentException("the QR GUID must be 1 to 32 visible ASCII characters");
        }
        this.guid = guid;
    }

    public String guid() {
        return guid;
    }

    /** The payload of a code: tags in ascending order, the CRC last. At most 271 characters, so always in limits. */
    public String encode(MpmCode code) {
        StringBuilder payload = new StringBuilder();
        payload.append(DataObject.write("00", "01"));
        payload.append(DataObject.write("01", code.kind().pointOfInitiation()));
        payload.append(DataObject.write(MERCHANT_ACCOUNT_TAG,
                DataObject.write("00", guid) + DataObject.write("01", code.merchantReference())));
        payload.append(DataObject.write("52", code.merchantCategoryCode()));
        payload.append(DataObject.write("53", CURRENCY_YEN));
        if (code.amountYen() != null) {
            payload.append(DataObject.write("54", Long.toString(code.amountYen())));
        }
        payload.append(DataObject.write("58", COUNTRY_JAPAN));
        payload.append(DataObject.write("59", code.merchantName()));
        payload.append(DataObject.write("60", code.merchantCity()));
        String additional = (code.referenceLabel() == null ? "" : DataObject.write("05", code.referenceLabel()))
                + (code.terminalLabel() == null ? "" : DataObject.write("07", code.terminalLabel()));
        if (!additional.isEmpty()) {
            payload.append(DataObject.write("62", additional));
        }
        payload.append("6304");
        return payload.append(Crc16.of(payload.toString())).toString();
    }

    /**
     * The code a payload holds, or the {@link QrProblem} of the first rule it breaks: EMVCo's, then whether it is ours
     * ({@code qr-foreign}), its currency ({@code qr-wrong-currency}), what a dynamic code needs
     * ({@code qr-missing-tag}) and the shapes of our values ({@code qr-bad-value}).
     */
    public MpmCode decode(String text) {
        MpmPayload payload = MpmPayload.parse(text);
        DataObject account = ourMerchantAccount(payload);
        if (!payload.value("53").orElseThrow().equals(CURRENCY_YEN)) {
            throw QrProblem.WRONG_CURRENCY.exception("Kessai codes are in yen (tag 53 = " + CURRENCY_YEN + ").");
        }
        MpmCode.Kind kind = payload.value("01").orElseThrow().equals(MpmCode.Kind.STATIC.pointOfInitiation())
                ? MpmCode.Kind.STATIC
                : MpmCode.Kind.DYNAMIC;
        Optional<String> amount = payload.value("54");
        Optional<DataObject> additional = payload.find("62");
        String referenceLabel = additional.flatMap(template -> template.childValue("05")).orElse(null);
        String terminalLabel = additional.flatMap(template -> template.childValue("07")).orElse(null);
        String merchantReference = account.childValue("01").orElse(null);
        if (kind == MpmCode.Kind.DYNAMIC && amount.isEmpty()) {
            throw QrProblem.MISSING_TAG
                    .exception("Tag 54 (transaction amount), which a dynamic code needs, is missing.");
        }
        if (kind == MpmCode.Kind.DYNAMIC && referenceLabel == null) {
            throw QrProblem.MISSING_TAG.exception(
                    "Sub-tag 05 (reference label) of tag 62, which a dynamic code needs, is missing.");
        }
        if (merchantReference == null) {
            throw QrProblem.MISSING_TAG.exception(
                    "Sub-tag 01 (merchant reference) of the Kessai merchant account template is missing.");
        }
        if (!payload.value("58").orElseThrow().equals(COUNTRY_JAPAN)) {
            throw QrProblem.BAD_VALUE.exception("Kessai codes are for Japan (tag 58 = " + COUNTRY_JAPAN + ").");
        }
        for (String tip : TIP_TAGS) {
            if (payload.find(tip).isPresent()) {
                throw QrProblem.BAD_VALUE.exception("Kessai codes carry no tip or convenience fee (tag " + tip + ").");
            }
        }
        return new MpmCode(kind, merchantReference, payload.value("52").orElseThrow(),
                payload.value("59").orElseThrow(), payload.value("60").orElseThrow(), amount.map(MpmCodec::yen)
                        .orElse(null),
                referenceLabel, terminalLabel);
    }

    /** The one merchant account template with our GUID; two would leave it open which merchant is paid. */
    private DataObject ourMerchantAccount(MpmPayload payload) {
        List<DataObject> ours = payload.objects().stream()
                .filter(object -> object.isTemplate() && MpmPayload.isMerchantAccount(object.id()))
                .filter(template -> template.childValue("00").filter(guid::equals).isPresent()).toList();
        if (ours.isEmpty()) {
            throw QrProblem.FOREIGN.exception("No merchant account template (tags 26 to 51) is Kessai's.");
        }
        if (ours.size() > 1) {
            throw QrProblem.DUPLICATE_TAG.exception("More than one merchant account template is Kessai's.");
        }
        return ours.getFirst();
    }

    /**
     * Yen have no minor unit (ISO 4217 exponent 0), so a yen amount is digits only, written without leading zeros
     * so that one amount has one payload. EMVCo's rules have already bounded it to 13 characters above zero.
     */
    private static long yen(String amount) {
        if (!PayloadText.isDigits(amount) || amount.charAt(0) == '0') {
            throw QrProblem.BAD_VALUE.exception(
                    "Tag 54 (transaction amount) must be whole yen: digits only, without leading zeros.");
        }
        return Long.parseLong(amount);
    }
}
