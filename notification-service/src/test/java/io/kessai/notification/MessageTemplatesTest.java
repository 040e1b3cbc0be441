package io.kessai.notification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.notification.delivery.Channel;
import io.kessai.notification.event.DataField;
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

    /** Every value security.factor_changed accepts; each has its own text. */
    private static final List<String> FACTORS = DataField.factorValues();

    /** A longest-case value for every field the catalogue knows, once for each value of {@code factor}. */
    private static final List<Map<String, Object>> DATA = FACTORS.stream().<Map<String, Object>>map(factor -> Map
            .ofEntries(Map.entry("code", "9999999999"), Map.entry("ttlSeconds", 3600),
                    Map.entry("deviceName", "長".repeat(80)), Map.entry("paymentId", "p-1"),
                    Map.entry("topupId", "t-1"), Map.entry("transferId", "x-1"), Map.entry("merchantName", "Lawson"),
                    Map.entry("senderName", "Taro"), Map.entry("recipientName", "090-****-5678"),
                    Map.entry("amount", Map.of("amount", 100_000, "currency", "JPY")), Map.entry("factor", factor)))
            .toList();

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
                    for (Map<String, Object> data : DATA) {
                        MessageTemplates.Message message = templates.render(type, channel, locale, data);
                        assertFalse(message.body().isBlank(), type.wire() + "/" + channel + "/" + locale);
                        assertFalse(message.body().contains("{"), "unresolved expression in " + type.wire());
                        if (channel == Channel.EMAIL) {
                            assertTrue(message.subject() != null && !message.subject().isBlank());
                        }
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
                for (Map<String, Object> data : DATA) {
                    String text = templates.render(type, Channel.SMS, locale, data).body();
                    boolean gsm7 = StandardCharsets.US_ASCII.newEncoder().canEncode(text);
                    int limit = gsm7 ? 160 : 70;
                    assertTrue(text.length() <= limit, type.wire() + "/" + locale + " is " + text.length() + " > "
                            + limit + " characters: " + text);
                    assertFalse(text.contains("\n"), type.wire() + "/" + locale + " is one line: " + text);
                }
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

    @Test
    void passwordChangedSaysAllDevicesWereSignedOutAndWhatToDoIfItWasNotYou() {
        assertEquals("Kessai: your password was changed and you were signed out on all devices. "
                + "Not you? Contact support at once.", sms(EventType.SECURITY_PASSWORD_CHANGED, "en", Map.of()));
        assertEquals("【Kessai】パスワードが変更され、全端末でログアウトしました。心当たりがなければすぐサポートへ連絡を。",
                sms(EventType.SECURITY_PASSWORD_CHANGED, "ja", Map.of()));

        MessageTemplates.Message en = mail(EventType.SECURITY_PASSWORD_CHANGED, "en", Map.of());
        assertEquals("Your Kessai password was changed", en.subject());
        assertTrue(en.body().contains("signed out on every device") && en.body().contains("contact support"),
                en.body());
        MessageTemplates.Message ja = mail(EventType.SECURITY_PASSWORD_CHANGED, "ja", Map.of());
        assertEquals("【Kessai】パスワードが変更されました", ja.subject());
        assertTrue(ja.body().contains("すべての端末でログアウトしました") && ja.body().contains("サポートへご連絡ください"),
                ja.body());
    }

    @Test
    void factorChangedNamesEachChangeInPlainWords() {
        Map<String, String> en = Map.of(
                "totp_enabled", "Kessai: two-step verification with an authenticator app was turned on. "
                        + "Not you? Contact support at once.",
                "totp_disabled", "Kessai: two-step verification with an authenticator app was turned off. "
                        + "Not you? Contact support at once.",
                "recovery_codes_replaced", "Kessai: new recovery codes were made; old ones no longer work. "
                        + "Not you? Contact support at once.",
                "email_changed", "Kessai: your account's email address was changed. Not you? Contact support at once.");
        Map<String, String> ja = Map.of(
                "totp_enabled", "【Kessai】認証アプリによる2段階認証が有効になりました。心当たりがなければすぐサポートへ連絡を。",
                "totp_disabled", "【Kessai】認証アプリによる2段階認証が無効になりました。心当たりがなければすぐサポートへ連絡を。",
                "recovery_codes_replaced",
                "【Kessai】リカバリーコードが再発行されました（旧コードは無効）。心当たりがなければすぐサポートへ連絡を。",
                "email_changed", "【Kessai】登録メールアドレスが変更されました。心当たりがなければすぐサポートへ連絡を。");
        Map<String, String> enMail = Map.of(
                "totp_enabled", "Two-step verification with an authenticator app was turned on for your account.",
                "totp_disabled", "Two-step verification with an authenticator app was turned off for your account.",
                "recovery_codes_replaced",
                "New recovery codes were created for your account. The old codes no longer work.",
                "email_changed", "The email address of your account was changed.");
        Map<String, String> jaMail = Map.of(
                "totp_enabled", "あなたのアカウントで、認証アプリによる2段階認証が有効になりました。",
                "totp_disabled", "あなたのアカウントで、認証アプリによる2段階認証が無効になりました。",
                "recovery_codes_replaced", "あなたのアカウントのリカバリーコードが再発行されました。以前のコードは使えません。",
                "email_changed", "あなたのアカウントのメールアドレスが変更されました。");
        assertEquals(List.of("totp_enabled", "totp_disabled", "recovery_codes_replaced", "email_changed"), FACTORS,
                "the values auth-service sends (docs/notifications.md)");
        for (String factor : FACTORS) {
            Map<String, Object> data = Map.of("factor", factor);
            assertEquals(en.get(factor), sms(EventType.SECURITY_FACTOR_CHANGED, "en", data));
            assertEquals(ja.get(factor), sms(EventType.SECURITY_FACTOR_CHANGED, "ja", data));

            MessageTemplates.Message enMessage = mail(EventType.SECURITY_FACTOR_CHANGED, "en", data);
            assertEquals("A security setting of your Kessai account was changed", enMessage.subject());
            assertEquals(enMail.get(factor) + "\n\nIf this was not you, contact support from the app at once and we "
                    + "will freeze the account.", enMessage.body());
            MessageTemplates.Message jaMessage = mail(EventType.SECURITY_FACTOR_CHANGED, "ja", data);
            assertEquals("【Kessai】セキュリティ設定が変更されました", jaMessage.subject());
            assertEquals(jaMail.get(factor) + "\n\n心当たりがない場合は、すぐにアプリからサポートへご連絡ください。アカウントを凍結します。",
                    jaMessage.body());
        }
    }

    @Test
    void p2pReceiptsNameTheOtherPartyAndTheAmount() {
        Map<String, Object> data = Map.of("transferId", "x-1", "senderName", "080-****-4321", "recipientName",
                "090-****-5678", "amount", Map.of("amount", 1500, "currency", "JPY"));
        MessageTemplates.Message sent = mail(EventType.P2P_SENT, "en", data);
        assertEquals("Kessai: you sent ¥1,500 to 090-****-5678", sent.subject());
        assertTrue(sent.body().contains("090-****-5678") && sent.body().contains("x-1"), sent.body());
        assertFalse(sent.body().contains("080-****-4321"), "the sender's receipt names the recipient only");
        MessageTemplates.Message ja = mail(EventType.P2P_SENT, "ja", data);
        assertTrue(ja.subject().contains("090-****-5678"), ja.subject());
        MessageTemplates.Message received = mail(EventType.P2P_RECEIVED, "en", data);
        assertTrue(received.subject().contains("080-****-4321"), received.subject());
    }

    private String sms(EventType type, String locale, Map<String, Object> data) {
        return templates.render(type, Channel.SMS, locale, data).body();
    }

    private MessageTemplates.Message mail(EventType type, String locale, Map<String, Object> data) {
        return templates.render(type, Channel.EMAIL, locale, data);
    }
}
