package io.kessai.auth.token;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.lang.JoseException;

import io.kessai.auth.AuthConfig;
import io.quarkus.runtime.Startup;

/**
 * The RSA keys auth-service signs tokens with: loaded from the key folder at start (one is created on first start if
 * allowed), the newest signs, and every key in the folder stays published in the JWKS so that tokens signed before a
 * rotation keep verifying until they expire.
 */
@Startup
@ApplicationScoped
public class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    private static final String SUFFIX = ".jwk.json";
    private static final DateTimeFormatter KEY_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

    private final List<RsaJsonWebKey> keys;
    private final String publishedSet;

    SigningKeys(AuthConfig config) throws IOException, JoseException {
        Path folder = config.signingKeyDir().toAbsolutePath();
        List<RsaJsonWebKey> loaded = load(folder);
        if (loaded.isEmpty()) {
            if (!config.generateSigningKey()) {
                throw new IllegalStateException("no signing key in " + folder
                        + " and kessai.auth.generate-signing-key is false");
            }
            loaded = List.of(generate(folder));
        }
        // Key ids start with their creation time, so the greatest id is the newest key.
        loaded = new ArrayList<>(loaded);
        loaded.sort(Comparator.comparing(JsonWebKey::getKeyId).reversed());
        this.keys = List.copyOf(loaded);
        this.publishedSet = new JsonWebKeySet(keys).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        LOG.infof("Signing with key %s; %d key(s) published", current().getKeyId(), keys.size());
    }

    /** The key that signs new tokens. */
    public RsaJsonWebKey current() {
        return keys.get(0);
    }

    /** The public JWK set, as served at the JWKS endpoint. */
    public String publishedSet() {
        return publishedSet;
    }

    private static List<RsaJsonWebKey> load(Path folder) throws IOException, JoseException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<RsaJsonWebKey> keys = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
                JsonWebKey key = JsonWebKey.Factory.newJwk(Files.readString(file));
                if (!(key instanceof RsaJsonWebKey rsa) || rsa.getPrivateKey() == null || rsa.getKeyId() == null) {
                    throw new IllegalStateException(file + " is not an RSA private JWK with a kid");
                }
                keys.add(rsa);
            }
        }
        return keys;
    }

    private static RsaJsonWebKey generate(Path folder) throws IOException, JoseException {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId(ZonedDateTime.now(ZoneOffset.UTC).format(KEY_ID_TIME) + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6));
        key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
        key.setUse("sig");
        Files.createDirectories(folder);
        Path temporary = Files.createTempFile(folder, "new-key", ".tmp");
        restrictToOwner(temporary);
        Files.writeString(temporary, key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
        Path target = folder.resolve(key.getKeyId() + SUFFIX);
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target);
        }
        LOG.infof("Generated signing key %s in %s", key.getKeyId(), folder);
        return key;
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Non-POSIX file systems keep their own ACLs.
        }
    }
}
