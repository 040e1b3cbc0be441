package io.kessai.payment.qr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import io.kessai.common.problem.ProblemException;

/** Payloads written by hand for the tests, with the CRC computed, so that each breaks exactly the rule it names. */
final class Payloads {

    static final String GUID = "io.kessai";

    /** The EMVCo MPM specification's own example (appendix A): a Chinese merchant, in yuan, on two networks. */
    static final String SPEC_SAMPLE = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678"
            + "520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412"
            + "340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

    /** A static code of ours whose CRC is 0x0B49: printed with its leading zero. */
    static final String LEADING_ZERO_CRC = "00020101021126240009io.kessai0107store-45204581253033925802JP5911KESSAI CAFE"
            + "6005TOKYO63040B49";

    private Payloads() {
    }

    /** The pieces of a payload: IDs and values in the order given, without the CRC. */
    static final class Fields {

        private final List<String[]> fields = new ArrayList<>();

        Fields with(String id, String value) {
            fields.add(new String[]{id, value});
            return this;
        }

        /** The same fields, but this one's value replaced, or the field left out when the value is null. */
        Fields replacing(String id, String value) {
            Fields copy = new Fields();
            for (String[] field : fields) {
                if (!field[0].equals(id)) {
                    copy.with(field[0], field[1]);
                } else if (value != null) {
                    copy.with(id, value);
                }
            }
            return copy;
        }

        Fields without(String id) {
            return replacing(id, null);
        }

        String body() {
            StringBuilder body = new StringBuilder();
            fields.forEach(field -> body.append(DataObject.write(field[0], field[1])));
            return body.toString();
        }

        String signed() {
            return sign(body());
        }
    }

    /** A valid static code of ours, field by field (it is {@link #LEADING_ZERO_CRC}). */
    static Fields ours() {
        return new Fields().with("00", "01").with("01", "11").with("26", template("00", GUID, "01", "store-4"))
                .with("52", "5812").with("53", "392").with("58", "JP").with("59", "KESSAI CAFE").with("60", "TOKYO");
    }

    /** A valid dynamic code of ours, for 1,200 yen and order "order-1001" at till "till-2". */
    static Fields order() {
        return new Fields().with("00", "01").with("01", "12").with("26", template("00", GUID, "01", "store-4"))
                .with("52", "5812").with("53", "392").with("54", "1200").with("58", "JP").with("59", "KESSAI CAFE")
                .with("60", "TOKYO").with("62", template("05", "order-1001", "07", "till-2"));
    }

    static String template(String... idsAndValues) {
        StringBuilder template = new StringBuilder();
        for (int i = 0; i < idsAndValues.length; i += 2) {
            template.append(DataObject.write(idsAndValues[i], idsAndValues[i + 1]));
        }
        return template.toString();
    }

    /** A body followed by a CRC that matches it. */
    static String sign(String body) {
        return body + "6304" + Crc16.of(body + "6304");
    }

    static ProblemException refusal(String problemCode, org.junit.jupiter.api.function.Executable reading) {
        ProblemException problem = assertThrows(ProblemException.class, reading);
        assertEquals(problemCode, problem.code(), problem.getMessage());
        return problem;
    }
}
