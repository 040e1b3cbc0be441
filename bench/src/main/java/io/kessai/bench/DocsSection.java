package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One benchmark's section of docs/benchmarks.md: the text between its start and end markers, rewritten by each run
 * while the rest of the file is kept.
 */
record DocsSection(String startMarker, String endMarker) {

    /**
     * Replaces the section in {@code file} with {@code body} (which goes between the markers), or appends it with its
     * markers when they are absent.
     */
    void writeInto(Path file, String body) throws IOException {
        String section = startMarker + "\n" + body + (body.endsWith("\n") ? "" : "\n") + endMarker;
        String text = Files.exists(file) ? Files.readString(file) : "";
        int start = text.indexOf(startMarker);
        int end = text.indexOf(endMarker);
        String updated;
        if (start >= 0 && end > start) {
            updated = text.substring(0, start) + section + text.substring(end + endMarker.length());
        } else if (start < 0 && end < 0) {
            String separator = text.isEmpty() || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
            updated = text + separator + section + "\n";
        } else {
            throw new BenchmarkException(file + " has a broken " + startMarker + " … " + endMarker
                    + " pair: fix the markers by hand, then rerun");
        }
        Files.writeString(file, updated);
    }
}
