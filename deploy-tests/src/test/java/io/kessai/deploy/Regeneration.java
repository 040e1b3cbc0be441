package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks a generated file against what it must be. With {@code -Dkessai.k8s.regenerate=true} the file is rewritten
 * instead; otherwise a difference fails with the first differing lines, and the expected file is written under target/.
 */
final class Regeneration {

    private Regeneration() {
    }

    static void check(Path file, String expected) {
        try {
            if (Boolean.getBoolean("kessai.k8s.regenerate")) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, expected);
                return;
            }
            String actual = Files.exists(file) ? Files.readString(file) : "";
            if (actual.equals(expected)) {
                return;
            }
            Path wanted = Path.of("target", "expected", file.getFileName().toString());
            Files.createDirectories(wanted.getParent());
            Files.writeString(wanted, expected);
            fail(Chart.REPOSITORY.relativize(file) + " is out of date (expected content in " + wanted.toAbsolutePath()
                    + "; regenerate with ./mvnw -pl deploy-tests test -Dkessai.k8s.regenerate=true):\n"
                    + diff(actual.lines().toList(), expected.lines().toList()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines that differ, as "- actual" and "+ expected", with their line numbers (at most 40). */
    static String diff(List<String> actual, List<String> expected) {
        StringBuilder diff = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.max(actual.size(), expected.size()) && shown < 40; i++) {
            String a = i < actual.size() ? actual.get(i) : null;
            String e = i < expected.size() ? expected.get(i) : null;
            if (a == null || !a.equals(e)) {
                if (a != null) {
                    diff.append(i + 1).append(": - ").append(a).append('\n');
                }
                if (e != null) {
                    diff.append(i + 1).append(": + ").append(e).append('\n');
                }
                shown++;
            }
        }
        return diff.toString();
    }
}
