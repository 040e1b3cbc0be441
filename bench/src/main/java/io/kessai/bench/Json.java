package io.kessai.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one string or number field from a small JSON answer: all the parsing this benchmark needs. */
final class Json {

    private Json() {
    }

    static String field(String json, String name) {
        Matcher match = Pattern
                .compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|(-?[0-9][0-9.eE+-]*))")
                .matcher(json);
        if (!match.find()) {
            throw new BenchmarkException("no \"" + name + "\" in the answer " + abbreviate(json, 300));
        }
        return match.group(1) != null ? match.group(1) : match.group(2);
    }

    static String abbreviate(String text, int length) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= length ? oneLine : oneLine.substring(0, length) + "…";
    }
}
