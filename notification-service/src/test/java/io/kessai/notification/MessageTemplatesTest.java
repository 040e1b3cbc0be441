package io.kessai.notification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.notification.delivery.Channel;
import io.kessai.notification.event.EventType;
import io.kessai.notification.message.MessageTemplates;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Every type has its texts in both locales, and every SMS fits in one segment so a code never arrives in parts. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(SmsProviderStub.class)
@WithTestResource(SmtpServer.class)
@WithTestResource(WebhookReceiver.class)
class MessageTemplatesTest {

    /** A longest-case value for every field the catalogue knows. */
    private static final Map<String, Object> DATA = Map.of(
            "code", "9999999999", "ttlSeconds", 3600, "deviceName", "長".repeat(80),
            "paymentId", "p-1", "topupId", "t-1", "transferId", "x-1", "merchantName", "Lawson",
            "senderName", "Taro", "amount", Map.of("amount", 100_000, "currency", "JPY"));

    @Inject
    MessageTemplates templates;

    @Test
    void everyTypeHasItsTextsInJapaneseAndEnglish() {
        for (EventType type : EventType.values()) {
            for (Channel channel : type.channels()) {
                if (channel == Channel.PUSH) {
                    continue;
                }
                for (String locale : new String[]{"ja", "en"}) {
                    MessageTemplates.Message message = templates.render(type, channel, locale, DATA);
                    assertFalse(message.body().isBlank(), type.wire() + "/" + channel + "/" + locale);
                    assertFalse(message.body().contains("{"), "unresolved expression in " + type.wire());
                    if (channel == Channel.EMAIL) {
                        assertTrue(message.subject() != null && !message.subject().isBlank());
                    }
                }
            }
        }
    }

    @Test
    void everySmsFitsInOneSegment() {
        for (EventType type : EventType.values()) {
            if (!type.channels().contains(Channel.SMS)) {
                continue;
            }
            for (String locale : new String[]{"ja", "en"}) {
                String text = templates.render(type, Channel.SMS, locale, DATA).body();
                boolean gsm7 = StandardCharsets.US_ASCII.newEncoder().canEncode(text);
                int limit = gsm7 ? 160 : 70;
                assertTrue(text.length() <= limit, type.wire() + "/" + locale + " is " + text.length() + " > "
                        + limit + " characters: " + text);
            }
        }
    }

    @Test
    void otpTextNamesServiceCodeLifetimeAndWarnsNeverToShare() {
        String en = templates.render(EventType.OTP_SMS, Channel.SMS, "en", Map.of("code", "123456",
                "ttlSeconds", 300)).body();
        assertEquals("Kessai code: 123456 (valid 5 min). Never share this code with anyone, not even Kessai staff.",
                en);
        String ja = templates.render(EventType.OTP_SMS, Channel.SMS, "ja", Map.of("code", "123456",
                "ttlSeconds", 300)).body();
        assertEquals("【Kessai】認証コード 123456（5分間有効）。このコードは誰にも教えないでください。", ja);
    }
}
