package io.kessai.notification.event;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.kessai.notification.delivery.Channel;

/**
 * The event catalogue (docs/notifications.md): what each type must carry and over which channels it goes out.
 * Channels are used for every recipient address the event names: a security alert with a phone and an email goes to
 * both.
 */
public enum EventType {

    // One constant per paragraph: the formatter keeps blank lines but joins adjacent constants into a staircase.

    OTP_SMS("otp.sms", Set.of(Channel.SMS), List.of(DataField.CODE, DataField.TTL_SECONDS)),

    OTP_EMAIL("otp.email", Set.of(Channel.EMAIL), List.of(DataField.CODE, DataField.TTL_SECONDS)),

    SECURITY_NEW_DEVICE("security.new_device", Set.of(Channel.SMS, Channel.EMAIL), List.of(DataField.DEVICE_NAME)),

    SECURITY_PASSWORD_RESET("security.password_reset", Set.of(Channel.SMS, Channel.EMAIL),
            List.of(DataField.CODE, DataField.TTL_SECONDS)),

    SECURITY_PASSWORD_CHANGED("security.password_changed", Set.of(Channel.SMS, Channel.EMAIL), List.of()),

    SECURITY_FACTOR_CHANGED("security.factor_changed", Set.of(Channel.SMS, Channel.EMAIL), List.of(DataField.FACTOR)),

    SECURITY_ACCOUNT_FROZEN("security.account_frozen", Set.of(Channel.SMS, Channel.EMAIL), List.of()),

    PAYMENT_COMPLETED("payment.completed", Set.of(Channel.PUSH, Channel.EMAIL),
            List.of(DataField.PAYMENT_ID, DataField.MERCHANT_NAME, DataField.AMOUNT)),

    PAYMENT_REFUNDED("payment.refunded", Set.of(Channel.PUSH, Channel.EMAIL),
            List.of(DataField.PAYMENT_ID, DataField.MERCHANT_NAME, DataField.AMOUNT)),

    PAYMENT_CANCELED("payment.canceled", Set.of(Channel.PUSH, Channel.EMAIL),
            List.of(DataField.PAYMENT_ID, DataField.MERCHANT_NAME, DataField.AMOUNT)),

    TOPUP_COMPLETED("topup.completed", Set.of(Channel.PUSH, Channel.EMAIL),
            List.of(DataField.TOPUP_ID, DataField.AMOUNT)),

    P2P_RECEIVED("p2p.received", Set.of(Channel.PUSH, Channel.EMAIL),
            List.of(DataField.TRANSFER_ID, DataField.SENDER_NAME, DataField.AMOUNT)),

    P2P_SENT("p2p.sent", Set.of(Channel.PUSH, Channel.EMAIL),
            List.of(DataField.TRANSFER_ID, DataField.RECIPIENT_NAME, DataField.AMOUNT));

    private final String wire;
    private final Set<Channel> channels;
    private final List<DataField> requiredData;

    EventType(String wire, Set<Channel> channels, List<DataField> requiredData) {
        this.wire = wire;
        this.channels = channels;
        this.requiredData = requiredData;
    }

    public String wire() {
        return wire;
    }

    public Set<Channel> channels() {
        return channels;
    }

    public List<DataField> requiredData() {
        return requiredData;
    }

    public static Optional<EventType> fromWire(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst();
    }

    public static List<String> catalogue() {
        return Arrays.stream(values()).map(EventType::wire).toList();
    }
}
