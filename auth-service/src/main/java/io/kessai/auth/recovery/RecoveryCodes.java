package io.kessai.auth.recovery;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.otp.OtpPepper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Recovery codes, the second factor of last resort: ten codes of ten characters from an alphabet without look-alikes
 * (about 50 bits each), shown once, stored only as HMACs keyed by the same file key as SMS codes, each usable once.
 * Typed codes are read leniently (any case, spaces and hyphens ignored), because people copy them from paper.
 */
@ApplicationScoped
public class RecoveryCodes {

    public static final int COUNT = 10;
    private static final int LENGTH = 10;
    /** Crockford-style: no I, L, O or U, so a handwritten code reads back the same. */
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    RecoveryCodes(OtpPepper pepper) {
        this.key = pepper.key();
    }

    /** Replaces the user's codes with a fresh set and answers it, formatted {@code XXXXX-XXXXX}, to show once. */
    public Uni<List<String>> replace(SqlConnection tx, UUID userId) {
        List<String> codes = new ArrayList<>();
        String[] hashes = new String[COUNT];
        for (int i = 0; i < COUNT; i++) {
            StringBuilder code = new StringBuilder();
            for (int c = 0; c < LENGTH; c++) {
                code.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
            }
            hashes[i] = hmac(userId, code.toString());
            codes.add(code.substring(0, LENGTH / 2) + "-" + code.substring(LENGTH / 2));
        }
        return tx.preparedQuery("DELETE FROM recovery_code WHERE user_id = $1").execute(Tuple.of(userId))
                .flatMap(deleted -> tx.preparedQuery("INSERT INTO recovery_code (user_id, code_hmac) "
                        + "SELECT $1, unnest($2::text[])").execute(Tuple.of(userId, hashes)))
                .map(inserted -> List.copyOf(codes));
    }

    /** Uses up one of the user's codes; false when it is wrong or was used before. */
    public Uni<Boolean> use(SqlConnection tx, UUID userId, String typed) {
        String normalized = normalize(typed);
        if (normalized == null) {
            return Uni.createFrom().item(false);
        }
        return tx.preparedQuery("UPDATE recovery_code SET used_at = now() WHERE user_id = $1 AND code_hmac = $2 "
                + "AND used_at IS NULL RETURNING user_id")
                .execute(Tuple.of(userId, hmac(userId, normalized)))
                .map(rows -> rows.size() == 1);
    }

    /** How many unused codes the user has left (to warn before they run out). */
    public Uni<Integer> remaining(SqlConnection tx, UUID userId) {
        return tx.preparedQuery("SELECT count(*) AS n FROM recovery_code WHERE user_id = $1 AND used_at IS NULL")
                .execute(Tuple.of(userId)).map(rows -> rows.iterator().next().getInteger("n"));
    }

    static String normalize(String typed) {
        if (typed == null || typed.length() > 32) {
            return null;
        }
        String code = typed.toUpperCase(Locale.ROOT).replaceAll("[\\s-]", "");
        return code.matches("[0-9A-HJKMNP-TV-Z]{" + LENGTH + "}") ? code : null;
    }

    private String hmac(UUID userId, String code) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(("recovery:" + userId + ":" + code)
                    .getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
