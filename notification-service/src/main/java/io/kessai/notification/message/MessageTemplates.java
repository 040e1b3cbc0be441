package io.kessai.notification.message;

import java.text.NumberFormat;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.delivery.Channel;
import io.kessai.notification.event.EventType;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;

/**
 * Renders the text of an SMS or a mail from the Qute templates under {@code templates/messages/<type>/}, in the
 * recipient's locale. A mail template's first line is its subject.
 */
@ApplicationScoped
public class MessageTemplates {

    private final Engine engine;

    MessageTemplates(Engine engine) {
        this.engine = engine;
    }

    public record Message(String subject, String body) {
    }

    public boolean exists(EventType type, Channel channel, String locale) {
        return template(type, channel, locale) != null;
    }

    public Message render(EventType type, Channel channel, String locale, Map<String, Object> data) {
        Template template = template(type, channel, locale);
        if (template == null) {
            throw new IllegalStateException("no template for " + type.wire() + "/" + channel.wire() + "." + locale);
        }
        String text = template.data(variables(data, locale)).render().strip();
        if (channel != Channel.EMAIL) {
            return new Message(null, text);
        }
        int firstLineEnd = text.indexOf('\n');
        return new Message(text.substring(0, firstLineEnd).strip(), text.substring(firstLineEnd + 1).strip());
    }

    private Template template(EventType type, Channel channel, String locale) {
        return engine.getTemplate("messages/" + type.wire() + "/" + channel.wire() + "." + locale + ".txt");
    }

    /** The event's data plus derived values the texts use: minutes of validity and the amount as people read it. */
    private static Map<String, Object> variables(Map<String, Object> data, String locale) {
        Map<String, Object> variables = new HashMap<>(data == null ? Map.of() : data);
        if (variables.get("ttlSeconds") instanceof Integer ttl) {
            variables.put("minutes", Math.max(1, ttl / 60));
        }
        if (variables.get("deviceName") instanceof String device) {
            // SMS texts must stay one segment whatever the device calls itself.
            variables.put("deviceNameShort", device.length() <= 16 ? device : device.substring(0, 16) + "…");
        }
        if (variables.get("amount") instanceof Map<?, ?> money && money.get("amount") instanceof Number yen) {
            String digits = NumberFormat.getIntegerInstance(Locale.JAPAN).format(yen.longValue());
            variables.put("amountText", "ja".equals(locale) ? digits + "円" : "¥" + digits);
        }
        return variables;
    }
}
