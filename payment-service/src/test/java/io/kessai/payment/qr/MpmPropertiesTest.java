package io.kessai.payment.qr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the codec over random codes and random damage: every code we can build reads back as itself, and no
 * input whatever makes reading throw anything but a {@link QrProblem}.
 *
 * <p>To replay a failure, put the seed jqwik reports into that property's annotation, e.g.
 * {@code @Property(tries = 500, seed = "-2783468212941045981")}, and remove it once fixed. Until the next
 * {@code clean}, jqwik also tries the last failing sample first (its database is target/jqwik-database, set in the
 * module's pom).
 */
class MpmPropertiesTest {

    private static final MpmCodec CODEC = new MpmCodec(Payloads.GUID);
    private static final Set<String> PROBLEM_CODES = QrProblem.ALL.stream().map(ProblemType::code)
            .collect(Collectors.toSet());
    /** What a damaged character may become: the digits and letters of payloads, Japanese, and the awkward ones. */
    private static final String[] DAMAGE = {"0", "1", "2", "3", "4", "5", "6", "9", "A", "f", ".", " ", "*", "ケ",
            "漢", "𠮷", "\uD842", "\n", "\u0000", "０", "\u202E"};

    @Property(tries = 500)
    void everyStoreCodeReadsBackAsItself(@ForAll("storeCodes") MpmCode code) {
        String payload = CODEC.encode(code);

        assertEquals(code, CODEC.decode(payload));
        assertTrue(PayloadText.length(payload) <= MpmPayload.MAX_LENGTH);
    }

    @Property(tries = 500)
    void everyOrderCodeReadsBackAsItself(@ForAll("orderCodes") MpmCode code) {
        String payload = CODEC.encode(code);

        assertEquals(code, CODEC.decode(payload));
        assertEquals(Long.toString(code.amountYen()), MpmPayload.parse(payload).value("54").orElseThrow());
    }

    @Property(tries = 300)
    void aLowerCaseCrcReadsTheSame(@ForAll("codes") MpmCode code) {
        String payload = CODEC.encode(code);
        String lower = payload.substring(0, payload.length() - 4)
                + payload.substring(payload.length() - 4).toLowerCase(Locale.ROOT);

        assertEquals(code, CODEC.decode(lower));
    }

    @Property(tries = 1000)
    void anyTextIsReadOrRefusedWithAQrProblem(@ForAll @StringLength(max = 600) String text) {
        refusal(text);
    }

    @Property(tries = 1000)
    void payloadLikeTextIsReadOrRefusedWithAQrProblem(@ForAll("payloadLikeText") String text) {
        refusal(text);
        refusal(Payloads.sign(text));
    }

    @Property(tries = 1000)
    void aDamagedPayloadIsReadOrRefusedWithAQrProblem(@ForAll("codes") MpmCode code, @ForAll long seed) {
        String damaged = damage(CODEC.encode(code), new Random(seed));

        Optional<ProblemException> refusal = refusal(damaged);
        Statistics.label("outcome").collect(refusal.map(ProblemException::code).orElse("read"));
        if (refusal.isEmpty()) {
            // Damage that leaves a valid payload (a CRC's case, say) still reads as a valid code of ours.
            MpmCode read = CODEC.decode(damaged);
            assertEquals(read, CODEC.decode(CODEC.encode(read)));
        }
    }

    @Property(tries = 1000)
    void aDamagedPayloadWithAMatchingCrcIsReadOrRefusedForItsDamage(@ForAll("codes") MpmCode code,
            @ForAll long seed) {
        String payload = CODEC.encode(code);
        String body = damage(payload.substring(0, payload.length() - 8), new Random(seed));
        assertReadOrRefusedForItsDamage(Payloads.sign(body));
    }

    @Property(tries = 1000)
    void aFieldRewrittenWithItsNewLengthIsReadOrRefusedForItsValue(@ForAll("codes") MpmCode code,
            @ForAll long seed) {
        // Damage that keeps the structure: one field (or sub-field) changed, its length and its template's rewritten,
        // the CRC recomputed. This is what reaches the rules on values, past the syntax.
        List<DataObject> objects = MpmPayload.parse(CODEC.encode(code)).objects();
        assertReadOrRefusedForItsDamage(
                Payloads.sign(rewrite(objects.subList(0, objects.size() - 1), new Random(seed))));
    }

    /**
     * A damaged payload whose CRC matches is refused for its damage, never as a CRC mismatch; or it is read, and the
     * code it holds writes and reads back as itself.
     */
    private static void assertReadOrRefusedForItsDamage(String resigned) {
        Optional<ProblemException> refusal = refusal(resigned);
        Statistics.label("outcome").collect(refusal.map(ProblemException::code).orElse("read"));
        if (refusal.isPresent()) {
            assertNoCrcMismatch(refusal.get());
        } else {
            MpmCode read = CODEC.decode(resigned);
            assertEquals(read, CODEC.decode(CODEC.encode(read)));
        }
    }

    /** The data objects written out again, one of them changed: its value, its ID, or one of its children. */
    private static String rewrite(List<DataObject> objects, Random random) {
        int target = random.nextInt(objects.size());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < objects.size(); i++) {
            DataObject object = objects.get(i);
            String id = object.id();
            String value = object.value();
            if (i == target) {
                switch (random.nextInt(object.isTemplate() ? 3 : 2)) {
                    case 0 -> value = damage(value, random);
                    case 1 -> id = String.format("%02d", random.nextInt(100));
                    default -> value = rewrite(object.children(), random);
                }
            }
            // A length past 99 cannot be written: 99 then, and the value runs into the next field.
            int length = Math.min(PayloadText.length(value), DataObject.MAX_VALUE_LENGTH);
            text.append(id).append(String.format("%02d", length)).append(value);
        }
        return text.toString();
    }

    /**
     * The CRC was computed for the damaged text, so it matches; a CRC problem can only be that the damage made the
     * last field a tag 63 longer than 4 characters (a length that swallowed ours), never a mismatch.
     */
    private static void assertNoCrcMismatch(ProblemException problem) {
        assertFalse(problem.code().equals(QrProblem.BAD_CRC.code()) && problem.getMessage().contains("does not match"),
                problem.getMessage());
    }

    /**
     * Reads a text both ways, generic and ours, and returns the refusal, if any. Anything but a {@link QrProblem}
     * (an IndexOutOfBounds, a NumberFormat) escapes and fails the property.
     */
    private static Optional<ProblemException> refusal(String text) {
        Optional<ProblemException> generic = attempt(() -> MpmPayload.parse(text));
        Optional<ProblemException> ours = attempt(() -> CODEC.decode(text));
        if (generic.isPresent()) {
            // Ours are checked after EMVCo's, so they fail the same way.
            assertEquals(generic.get().code(), ours.orElseThrow().code());
        }
        ours.ifPresent(problem -> {
            assertTrue(PROBLEM_CODES.contains(problem.code()), problem.code());
            assertEquals(problemOf(problem.code()).status(), problem.status());
            assertTrue(problem.getMessage().length() < 160, problem.getMessage());
        });
        return ours;
    }

    private static Optional<ProblemException> attempt(Runnable reading) {
        try {
            reading.run();
            return Optional.empty();
        } catch (ProblemException e) {
            return Optional.of(e);
        }
    }

    private static ProblemType problemOf(String code) {
        return QrProblem.ALL.stream().filter(problem -> problem.code().equals(code)).findFirst()
                .orElseThrow();
    }

    /** One to four random edits: a character changed, inserted or deleted, a length rewritten, a cut. */
    private static String damage(String payload, Random random) {
        StringBuilder text = new StringBuilder(payload);
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && !text.isEmpty(); i++) {
            int at = random.nextInt(text.length());
            switch (random.nextInt(6)) {
                case 0 -> text.replace(at, at + 1, DAMAGE[random.nextInt(DAMAGE.length)]);
                case 1 -> text.insert(at, DAMAGE[random.nextInt(DAMAGE.length)]);
                case 2 -> text.deleteCharAt(at);
                case 3 -> text.replace(at, Math.min(at + 2, text.length()), String.format("%02d", random.nextInt(100)));
                case 4 -> text.setLength(at);
                default -> text.insert(at, text.substring(at, Math.min(text.length(), at + 1 + random.nextInt(8))));
            }
        }
        return text.toString();
    }

    @Provide
    Arbitrary<MpmCode> codes() {
        return Arbitraries.oneOf(storeCodes(), orderCodes());
    }

    @Provide
    Arbitrary<MpmCode> storeCodes() {
        return Combinators.combine(references(), categories(), names(MpmCode.MAX_NAME_LENGTH),
                names(MpmCode.MAX_CITY_LENGTH), labels().injectNull(0.5)).as(MpmCode::forStore);
    }

    @Provide
    Arbitrary<MpmCode> orderCodes() {
        return Combinators.combine(references(), categories(), names(MpmCode.MAX_NAME_LENGTH),
                names(MpmCode.MAX_CITY_LENGTH), Arbitraries.longs().between(1, MpmCode.MAX_AMOUNT_YEN), labels(),
                labels().injectNull(0.5)).as(MpmCode::forOrder);
    }

    @Provide
    Arbitrary<String> payloadLikeText() {
        Arbitrary<String> digits = Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(40);
        Arbitrary<String> anything = Arbitraries.strings().withChars("0123456789ABCDEFabcdef. ケ漢").ofMaxLength(40);
        return Arbitraries.oneOf(digits, anything).list().ofMaxSize(12).map(pieces -> "000201" + String.join("",
                pieces));
    }

    private static Arbitrary<String> references() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(
                MpmCode.MAX_MERCHANT_REFERENCE_LENGTH);
    }

    private static Arbitrary<String> categories() {
        return Arbitraries.strings().numeric().ofLength(4);
    }

    private static Arbitrary<String> labels() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(MpmCode.MAX_LABEL_LENGTH);
    }

    /** Names in ASCII, kana and kanji, with the odd character outside the Basic Multilingual Plane. */
    private static Arbitrary<String> names(int maxLength) {
        Arbitrary<String> ascii = Arbitraries.strings().withCharRange(' ', '~').ofLength(1);
        Arbitrary<String> kana = Arbitraries.strings().withCharRange('\u3041', '\u3096').withCharRange('\u30A1',
                '\u30FA').ofLength(1);
        Arbitrary<String> kanji = Arbitraries.strings().withCharRange('\u4E00', '\u9FFF').ofLength(1);
        Arbitrary<String> odd = Arbitraries.of("𠮷", "🍣", "ー", "・", "\u3000", "々");
        Arbitrary<String> character = Arbitraries.frequencyOf(Tuple.of(4, ascii), Tuple.of(3, kana),
                Tuple.of(2, kanji), Tuple.of(1, odd));
        return character.list().ofMinSize(1).ofMaxSize(maxLength).map(characters -> String.join("", characters))
                .filter(PayloadText::isDisplayText);
    }
}
