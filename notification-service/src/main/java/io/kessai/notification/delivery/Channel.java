package io.kessai.notification.delivery;

/** How a message reaches a person: a text to a phone, a mail, or an event on the app's or till's live stream. */
public enum Channel {

    SMS, EMAIL, PUSH;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Channel fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
