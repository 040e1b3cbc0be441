package io.kessai.auth.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.TestAuthConfig;

/** Key persistence and rotation, without starting the application. */
class SigningKeysTest {

    @TempDir
    Path folder;

    @Test
    void firstStartGeneratesAKeyAndLaterStartsReuseIt() throws Exception {
        SigningKeys first = new SigningKeys(config(folder, true));
        SigningKeys second = new SigningKeys(config(folder, true));
        assertEquals(first.current().getKeyId(), second.current().getKeyId());
        assertEquals(1, keyFiles().size());
    }

    @Test
    void keyFileIsReadableByItsOwnerOnly() throws Exception {
        new SigningKeys(config(folder, true));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFiles().get(0))));
    }

    @Test
    void newestKeySignsAndOlderKeysStayPublished() throws Exception {
        writeKey("20260101T000000-aaaaaa");
        writeKey("20261101T000000-bbbbbb");
        SigningKeys keys = new SigningKeys(config(folder, true));
        assertEquals("20261101T000000-bbbbbb", keys.current().getKeyId());
        List<String> published = new JsonWebKeySet(keys.publishedSet()).getJsonWebKeys().stream()
                .map(JsonWebKey::getKeyId).toList();
        assertEquals(List.of("20261101T000000-bbbbbb", "20260101T000000-aaaaaa"), published);
        assertTrue(!keys.publishedSet().contains("\"d\""), "no private exponent in the published set");
    }

    @Test
    void withoutKeysAndWithoutGenerationStartFails() {
        assertThrows(IllegalStateException.class, () -> new SigningKeys(config(folder, false)));
    }

    @Test
    void publicOnlyKeyFileIsRejected() throws Exception {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("20260101T000000-cccccc");
        Files.writeString(folder.resolve("20260101T000000-cccccc.jwk.json"),
                key.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        assertThrows(IllegalStateException.class, () -> new SigningKeys(config(folder, true)));
    }

    private void writeKey(String keyId) throws Exception {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId(keyId);
        Files.writeString(folder.resolve(keyId + ".jwk.json"),
                key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
    }

    private List<Path> keyFiles() throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".jwk.json")).toList();
        }
    }

    private static AuthConfig config(Path folder, boolean generate) {
        return TestAuthConfig.signingKeys(folder, generate);
    }
}
