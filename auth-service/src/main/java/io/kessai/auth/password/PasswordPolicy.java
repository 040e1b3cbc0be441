package io.kessai.auth.password;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.nulabinc.zxcvbn.Zxcvbn;

import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemException;

/**
 * NIST SP 800-63B password rules: long enough, no composition rules, and never a password attackers try first. A
 * password is refused when it is shorter than {@link #MIN_LENGTH} characters, longer than {@link #MAX_LENGTH} (which
 * bounds the hashing work an attacker can ask for), on the bundled list of common and breached passwords (zxcvbn's
 * 30,000), contains the account's phone number, or is easily guessed (a keyboard walk, a repeat, a sequence, a
 * dictionary word with the usual substitutions: zxcvbn's estimate below {@link #MIN_STRENGTH}).
 */
public final class PasswordPolicy {

    public static final int MIN_LENGTH = 10;
    public static final int MAX_LENGTH = 128;
    /** zxcvbn's score, 0 (too guessable) to 4 (very unguessable); 3 resists an offline attack on a slow hash. */
    static final int MIN_STRENGTH = 3;
    private static final String LIST = "/com/nulabinc/zxcvbn/matchers/dictionaries/passwords.txt";
    /** Words an attacker targeting this service tries first. */
    private static final List<String> SERVICE_WORDS = List.of("kessai", "kessaipay", "paypay", "7pay", "password");

    private static final Set<String> COMMON = load();
    private static final Zxcvbn ESTIMATOR = new Zxcvbn();

    private PasswordPolicy() {
    }

    /** Refuses the password with 400 {@code weak-password}, naming every reason, or returns normally. */
    public static void check(String password, String phoneE164, String field) {
        List<String> reasons = reasons(password, phoneE164);
        if (!reasons.isEmpty()) {
            throw new ProblemException(400, "weak-password", "Password not accepted", String.join(" ", reasons),
                    reasons.stream().map(reason -> new Problem.FieldError(field, reason)).toList(), Map.of());
        }
    }

    static List<String> reasons(String password, String phoneE164) {
        List<String> reasons = new ArrayList<>();
        if (password == null || password.codePointCount(0, password.length()) < MIN_LENGTH) {
            reasons.add("Use at least " + MIN_LENGTH + " characters; a few unrelated words make a good password.");
            return reasons;
        }
        if (password.length() > MAX_LENGTH) {
            reasons.add("Use at most " + MAX_LENGTH + " characters.");
            return reasons;
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (COMMON.contains(lower)) {
            reasons.add("This password is on a list of common or breached passwords.");
        }
        String digits = password.replaceAll("[^0-9]", "");
        if (phoneE164 != null && (digits.contains(PhoneNumbers.nationalDigits(phoneE164))
                || digits.contains(phoneE164.substring(1)))) {
            reasons.add("Do not use your phone number in your password.");
        }
        List<String> context = new ArrayList<>(SERVICE_WORDS);
        if (phoneE164 != null) {
            context.add(PhoneNumbers.nationalDigits(phoneE164));
        }
        if (reasons.isEmpty() && ESTIMATOR.measure(password, context).getScore() < MIN_STRENGTH) {
            reasons.add("This password is easy to guess (a common word, pattern, sequence or repeat).");
        }
        return reasons;
    }

    private static Set<String> load() {
        Set<String> words = new HashSet<>();
        try (InputStream list = PasswordPolicy.class.getResourceAsStream(LIST)) {
            if (list == null) {
                throw new IllegalStateException("the common-password list " + LIST + " is missing");
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(list, StandardCharsets.UTF_8))) {
                reader.lines().map(String::trim).filter(line -> !line.isEmpty())
                        .forEach(line -> words.add(line.toLowerCase(Locale.ROOT)));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the common-password list", e);
        }
        words.addAll(SERVICE_WORDS);
        return Set.copyOf(words);
    }
}
