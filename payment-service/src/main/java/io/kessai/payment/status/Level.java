package io.kessai.payment.status;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

/** How well a capability works, from best to worst. */
public enum Level {

    OK, DEGRADED, DOWN;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    Level worst(Level other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
