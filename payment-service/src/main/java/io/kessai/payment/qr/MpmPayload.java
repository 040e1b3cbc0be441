package io.kessai.payment.qr;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A merchant-presented QR payload (EMVCo MPM 1.1, the format JPQR uses too) that passed the generic, network-neutral
 * rules: ID-length-value syntax at the top and inside templates, at most 512 characters, 00 first and 63 last, a
 * matching CRC, each ID once per level, the mandatory tags and the shapes of the values EMVCo fixes. Whose code it is
 * and whether it can be paid is not judged here (see {@link MpmCodec}).
 *
 * <p>The rules are checked in a fixed order and the first one broken is the answer, so one payload always gets the
 * same problem: length, characters and top-level syntax, the places of 00 and 63, the CRC, the syntax inside
 * templates, duplicates, mandatory tags, then values. Checking the CRC before any value means a misread scan shows as
 * {@code qr-bad-crc} rather than as whatever field the misreading happened to land in.
 */
public final class MpmPayload {

    /** EMVCo's limit for a whole payload, in characters. */
    public static final int MAX_LENGTH = 512;

    private static final String PAYLOAD = "the payload";
    private static final int AMOUNT_MAX_LENGTH = 13;
    private static final int GUID_MAX_LENGTH = 32;
    private static final int ADDITIONAL_DATA_MAX_LENGTH = 25;

    /** The mandatory tags besides 00 and 63 (whose places are checked first), in the order they are looked for. */
    private static final List<Map.Entry<String, String>> MANDATORY = List.of(
            Map.entry("01", "point of initiation method"), Map.entry("52", "merchant category code"),
            Map.entry("53", "transaction currency"), Map.entry("58", "country code"), Map.entry("59", "merchant name"),
            Map.entry("60", "merchant city"));

    private final List<DataObject> objects;

    private MpmPayload(List<DataObject> objects) {
        this.objects = List.copyOf(objects);
    }

    /** The top-level data objects in payload order, templates with their children. */
    public List<DataObject> objects() {
        return objects;
    }

    /** The top-level IDs in payload order. */
    public List<String> ids() {
        return objects.stream().map(DataObject::id).toList();
    }

    public Optional<DataObject> find(String id) {
        return objects.stream().filter(object -> object.id().equals(id)).findFirst();
    }

    public Optional<String> value(String id) {
        return find(id).map(DataObject::value);
    }

    /**
     * Reads a payload strictly, or throws the {@link QrProblem} of the first rule it breaks. Never anything else:
     * the text comes from a camera or a client and may be anything at all.
     */
    public static MpmPayload parse(String text) {
        if (text == null || text.isEmpty()) {
            throw QrProblem.MALFORMED.exception("The payload is empty.");
        }
        // A code point is at most two chars, so more than twice the limit in chars is too long without counting.
        if (text.length() > 2 * MAX_LENGTH || PayloadText.length(text) > MAX_LENGTH) {
            throw QrProblem.TOO_LONG.exception("The payload is longer than " + MAX_LENGTH + " characters.");
        }
        int[] characters = text.codePoints().toArray();
        for (int i = 0; i < characters.length; i++) {
            if (!PayloadText.isPayloadCharacter(characters[i])) {
                throw QrProblem.MALFORMED.exception("Character " + (i + 1)
                        + " of the payload is a control character or half of a broken surrogate pair.");
            }
        }
        List<DataObject> flat = read(characters, PAYLOAD);
        checkEnds(flat);
        checkCrc(text, flat.getLast());
        List<DataObject> objects = new ArrayList<>(flat.size());
        for (DataObject object : flat) {
            objects.add(expand(object.id(), object));
        }
        checkUnique(objects, PAYLOAD);
        checkMandatory(objects);
        MpmPayload payload = new MpmPayload(objects);
        payload.checkValues();
        return payload;
    }

    /** Splits text into data objects without looking into their values. */
    private static List<DataObject> read(int[] characters, String where) {
        List<DataObject> objects = new ArrayList<>();
        int at = 0;
        while (at < characters.length) {
            if (characters.length - at < 4) {
                throw QrProblem.MALFORMED.exception(capitalised(where)
                        + " ends inside a data object's ID or length, at character " + (at + 1) + ".");
            }
            if (!PayloadText.isDigit(characters[at]) || !PayloadText.isDigit(characters[at + 1])) {
                throw QrProblem.MALFORMED
                        .exception("The ID at character " + (at + 1) + " of " + where + " is not two digits.");
            }
            String id = new String(characters, at, 2);
            if (!PayloadText.isDigit(characters[at + 2]) || !PayloadText.isDigit(characters[at + 3])) {
                throw QrProblem.MALFORMED.exception("The length of tag " + id + " in " + where + " is not two digits.");
            }
            int length = (characters[at + 2] - '0') * 10 + (characters[at + 3] - '0');
            if (length == 0) {
                throw QrProblem.MALFORMED.exception("Tag " + id + " in " + where + " has length 00.");
            }
            int start = at + 4;
            if (length > characters.length - start) {
                throw QrProblem.MALFORMED.exception("The value of tag " + id + " in " + where + " runs past its end.");
            }
            objects.add(new DataObject(id, new String(characters, start, length), List.of()));
            at = start + length;
        }
        return objects;
    }

    private static void checkEnds(List<DataObject> flat) {
        if (!flat.getFirst().id().equals("00")) {
            throw contains(flat, "00")
                    ? QrProblem.BAD_ORDER.exception("Tag 00 (payload format indicator) must come first.")
                    : QrProblem.MISSING_TAG.exception("Tag 00 (payload format indicator) is missing.");
        }
        if (!flat.getLast().id().equals("63")) {
            throw contains(flat, "63")
                    ? QrProblem.BAD_ORDER.exception("Tag 63 (CRC) must come last.")
                    : QrProblem.MISSING_TAG.exception("Tag 63 (CRC) is missing.");
        }
    }

    private static void checkCrc(String text, DataObject crc) {
        if (crc.value().length() != 4 || !PayloadText.isHexDigits(crc.value())) {
            throw QrProblem.BAD_CRC.exception("Tag 63 (CRC) must be 4 hexadecimal digits.");
        }
        // The value is 4 ASCII characters, so the text it covers is everything but the last 4 chars.
        if (!Crc16.of(text.substring(0, text.length() - 4)).equalsIgnoreCase(crc.value())) {
            throw QrProblem.BAD_CRC.exception("The CRC (tag 63) does not match the payload.");
        }
    }

    /**
     * Which data objects are templates, by their path: EMVCo's templates at the top (merchant account information
     * 26–51, additional data 62, merchant information in another language 64, unreserved 80–99) and the payment
     * system specific templates 50–99 inside 62. Everything else is primitive, including the merchant account
     * information 02–25, which the card networks define as plain values.
     */
    static boolean isTemplate(String path) {
        if (path.length() == 2) {
            int id = Integer.parseInt(path);
            return (id >= 26 && id <= 51) || id == 62 || id == 64 || id >= 80;
        }
        return path.length() == 5 && path.startsWith("62.") && Integer.parseInt(path.substring(3)) >= 50;
    }

    private static DataObject expand(String path, DataObject object) {
        if (!isTemplate(path)) {
            return object;
        }
        List<DataObject> children = new ArrayList<>();
        for (DataObject child : read(object.value().codePoints().toArray(), "template " + path)) {
            children.add(expand(path + "." + child.id(), child));
        }
        return new DataObject(object.id(), object.value(), children);
    }

    private static void checkUnique(List<DataObject> objects, String where) {
        Set<String> seen = new HashSet<>();
        for (DataObject object : objects) {
            if (!seen.add(object.id())) {
                throw QrProblem.DUPLICATE_TAG.exception("Tag " + object.id() + " appears twice in " + where + ".");
            }
        }
        for (DataObject object : objects) {
            if (object.isTemplate()) {
                checkUnique(object.children(), where.equals(PAYLOAD)
                        ? "template " + object.id()
                        : where + "." + object.id());
            }
        }
    }

    private static void checkMandatory(List<DataObject> objects) {
        for (Map.Entry<String, String> tag : MANDATORY) {
            if (!contains(objects, tag.getKey())) {
                throw QrProblem.MISSING_TAG.exception("Tag " + tag.getKey() + " (" + tag.getValue() + ") is missing.");
            }
        }
        if (objects.stream().noneMatch(object -> isMerchantAccount(object.id()))) {
            throw QrProblem.MISSING_TAG.exception("No merchant account information (a tag from 02 to 51).");
        }
        for (DataObject object : objects) {
            int id = Integer.parseInt(object.id());
            if ((id >= 26 && id <= 51) || id >= 80) {
                requireChild(object, "00", "globally unique identifier");
            } else if (id == 64) {
                requireChild(object, "00", "language preference");
                requireChild(object, "01", "merchant name, alternate language");
            }
        }
    }

    private static void requireChild(DataObject template, String childId, String name) {
        if (template.child(childId).isEmpty()) {
            throw QrProblem.MISSING_TAG.exception("Template " + template.id() + " has no sub-tag " + childId + " ("
                    + name + ").");
        }
    }

    private void checkValues() {
        if (!value("00").orElseThrow().equals("01")) {
            throw QrProblem.BAD_VALUE.exception("Tag 00 (payload format indicator) must be 01.");
        }
        String initiation = value("01").orElseThrow();
        if (!initiation.equals("11") && !initiation.equals("12")) {
            throw QrProblem.BAD_VALUE.exception("Tag 01 (point of initiation method) must be 11 or 12.");
        }
        String category = value("52").orElseThrow();
        if (category.length() != 4 || !PayloadText.isDigits(category)) {
            throw QrProblem.BAD_VALUE.exception("Tag 52 (merchant category code) must be 4 digits.");
        }
        String currency = value("53").orElseThrow();
        if (currency.length() != 3 || !PayloadText.isDigits(currency)) {
            throw QrProblem.BAD_VALUE.exception("Tag 53 (transaction currency) must be 3 digits (ISO 4217).");
        }
        Optional<String> amount = value("54");
        if (amount.isPresent() && !isAmount(amount.get())) {
            throw QrProblem.BAD_VALUE.exception("Tag 54 (transaction amount) must be a positive number of at most "
                    + AMOUNT_MAX_LENGTH + " characters, digits with an optional decimal point.");
        }
        String country = value("58").orElseThrow();
        if (country.length() != 2 || !country.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw QrProblem.BAD_VALUE.exception("Tag 58 (country code) must be 2 capital letters (ISO 3166-1).");
        }
        checkLength(find("59").orElseThrow(), MpmCode.MAX_NAME_LENGTH, "Tag 59 (merchant name)");
        checkLength(find("60").orElseThrow(), MpmCode.MAX_CITY_LENGTH, "Tag 60 (merchant city)");
        find("61").ifPresent(postalCode -> checkLength(postalCode, 10, "Tag 61 (postal code)"));
        for (DataObject object : objects) {
            int id = Integer.parseInt(object.id());
            if ((id >= 26 && id <= 51) || id >= 80) {
                checkLength(object.child("00").orElseThrow(), GUID_MAX_LENGTH,
                        "Sub-tag 00 (globally unique identifier) of template " + object.id());
            }
        }
        find("62").ifPresent(additional -> additional.children().stream()
                .filter(child -> Integer.parseInt(child.id()) >= 1 && Integer.parseInt(child.id()) <= 8)
                .forEach(child -> checkLength(child, ADDITIONAL_DATA_MAX_LENGTH, "Sub-tag " + child.id()
                        + " of template 62")));
        find("64").ifPresent(language -> {
            checkLength(language.child("00").orElseThrow(), 2, "Sub-tag 00 (language preference) of template 64");
            checkLength(language.child("01").orElseThrow(), MpmCode.MAX_NAME_LENGTH,
                    "Sub-tag 01 (merchant name) of template 64");
            language.child("02").ifPresent(city -> checkLength(city, MpmCode.MAX_CITY_LENGTH,
                    "Sub-tag 02 (merchant city) of template 64"));
        });
    }

    private static void checkLength(DataObject object, int max, String what) {
        if (PayloadText.length(object.value()) > max) {
            throw QrProblem.BAD_VALUE.exception(what + " must be at most " + max + " characters.");
        }
    }

    /** EMVCo's amount: digits with at most one decimal point between digits, at most 13 characters, above zero. */
    private static boolean isAmount(String amount) {
        if (amount.length() > AMOUNT_MAX_LENGTH) {
            return false;
        }
        int point = amount.indexOf('.');
        String whole = point < 0 ? amount : amount.substring(0, point);
        String fraction = point < 0 ? "" : amount.substring(point + 1);
        return PayloadText.isDigits(whole) && (point < 0 || PayloadText.isDigits(fraction))
                && amount.chars().anyMatch(c -> c >= '1' && c <= '9');
    }

    static boolean isMerchantAccount(String id) {
        int number = Integer.parseInt(id);
        return number >= 2 && number <= 51;
    }

    private static boolean contains(List<DataObject> objects, String id) {
        return objects.stream().anyMatch(object -> object.id().equals(id));
    }

    private static String capitalised(String where) {
        return Character.toUpperCase(where.charAt(0)) + where.substring(1);
    }
}
