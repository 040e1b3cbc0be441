package io.kessai.auth;

import java.util.Optional;
import java.util.UUID;

/** Ids as a caller wrote them in a path: a UUID in its canonical form (any case), or nothing. */
public final class Ids {

    private Ids() {
    }

    /**
     * The UUID {@code text} spells; empty for anything else, including the short groups {@link UUID#fromString}
     * lets through ({@code 1-1-1-1-1}), so that one id has one spelling.
     */
    public static Optional<UUID> uuid(String text) {
        try {
            UUID id = text != null && text.length() == 36 ? UUID.fromString(text) : null;
            return id != null && id.toString().equalsIgnoreCase(text) ? Optional.of(id) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
