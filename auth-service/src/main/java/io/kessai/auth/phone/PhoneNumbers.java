package io.kessai.auth.phone;

import java.util.List;
import java.util.Map;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemException;

/**
 * Turns what a customer typed into the one E.164 form the account is keyed by: Japanese numbers in national form
 * ({@code 090-1234-5678}) or international form ({@code +81 90 1234 5678}) become {@code +819012345678}. Only mobile
 * numbers are accepted, because the number receives one-time codes by SMS.
 */
public final class PhoneNumbers {

    /** Where a number without a country code is from. */
    private static final String DEFAULT_REGION = "JP";
    private static final int MAX_INPUT_LENGTH = 32;
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private PhoneNumbers() {
    }

    /** The E.164 form of a valid mobile number, or 400 {@code invalid-phone-number} naming {@code field}. */
    public static String toE164(String input, String field) {
        if (input == null || input.isBlank() || input.length() > MAX_INPUT_LENGTH) {
            throw invalid(field, "Give a mobile phone number, e.g. 090-1234-5678 or +81 90 1234 5678.");
        }
        PhoneNumber number;
        try {
            number = UTIL.parse(input, DEFAULT_REGION);
        } catch (NumberParseException e) {
            throw invalid(field, "'" + input + "' is not a phone number.");
        }
        if (!UTIL.isValidNumber(number)) {
            throw invalid(field, "'" + input + "' is not a valid phone number.");
        }
        PhoneNumberType type = UTIL.getNumberType(number);
        if (type != PhoneNumberType.MOBILE && type != PhoneNumberType.FIXED_LINE_OR_MOBILE) {
            throw invalid(field, "'" + input + "' is not a mobile number; one-time codes are sent by SMS.");
        }
        return UTIL.format(number, PhoneNumberFormat.E164);
    }

    /** The digits a person would recognise as their number (national significant number, e.g. 9012345678). */
    public static String nationalDigits(String e164) {
        try {
            return UTIL.getNationalSignificantNumber(UTIL.parse(e164, DEFAULT_REGION));
        } catch (NumberParseException e) {
            throw new IllegalArgumentException("not an E.164 number: " + e164, e);
        }
    }

    /**
     * The number as its owner's counterpart in a transfer is shown it: national form with all but the first three and
     * the last four digits hidden ({@code +819012345678} is {@code 090-****-5678}), enough to recognise a number one
     * knows, too little to learn one.
     */
    public static String masked(String e164) {
        String national;
        try {
            national = UTIL.format(UTIL.parse(e164, DEFAULT_REGION), PhoneNumberFormat.NATIONAL);
        } catch (NumberParseException e) {
            throw new IllegalArgumentException("not an E.164 number: " + e164, e);
        }
        long digits = national.chars().filter(Character::isDigit).count();
        StringBuilder masked = new StringBuilder();
        int seen = 0;
        for (char c : national.toCharArray()) {
            if (Character.isDigit(c)) {
                seen++;
                masked.append(seen <= 3 || seen > digits - 4 ? c : '*');
            } else {
                masked.append(c);
            }
        }
        return masked.toString();
    }

    private static ProblemException invalid(String field, String detail) {
        return new ProblemException(400, "invalid-phone-number", "Invalid phone number", detail,
                List.of(new Problem.FieldError(field, detail)), Map.of());
    }
}
