package io.kessai.payment.cpm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.kessai.common.problem.ProblemException;

/**
 * Seals payment keys at rest with AES-256-GCM under the key in {@code kessai.payment.cpm.seal-key-file}: a 12-byte
 * random nonce, then ciphertext and 16-byte tag, the payment key's id as associated data. The seal key never leaves
 * this bean; in dev and test it is generated under target/ ({@code generate-seal-key}), never committed.
 */
@Singleton
public class KeySeal {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final Logger LOG = Logger.getLogger(KeySeal.class);

    /** Null when no seal key is configured: payment keys are then off. */
    private final SecretKey key;

    KeySeal(CpmConfig config) {
        this.key = config.sealKeyFile().map(file -> new SecretKeySpec(load(file, config.generateSealKey()), "AES"))
                .orElse(null);
        if (key == null) {
            LOG.warn("kessai.payment.cpm.seal-key-file is not set: payment keys and CPM payments are off (503)");
        }
    }

    /** Refuses with 503 when no seal key is configured (nothing can be sealed or opened). */
    public void requireConfigured() {
        if (key == null) {
            throw ProblemException.unavailable("Payment codes are not available on this installation; pay in the "
                    + "app.");
        }
    }

    /** The sealed form of {@code secret}, for the payment key {@code id}. */
    public byte[] seal(UUID id, byte[] secret) {
        requireConfigured();
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(id.toString().getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = cipher.doFinal(secret);
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /** The secret of payment key {@code id}; fails when the seal was made for another key or under another seal key. */
    public byte[] open(UUID id, byte[] sealed) {
        requireConfigured();
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(id.toString().getBytes(StandardCharsets.US_ASCII));
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("payment key " + id + " does not open under the configured seal key");
        }
    }

    private static byte[] load(Path file, boolean generate) {
        try {
            if (!Files.exists(file)) {
                if (!generate) {
                    throw new IllegalStateException("kessai.payment.cpm.seal-key-file " + file + " does not exist");
                }
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, Base64.getEncoder().encodeToString(fresh));
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // Dev and test only; the file lives under target/.
                }
            }
            byte[] decoded = Base64.getDecoder().decode(Files.readString(file).trim());
            if (decoded.length != 32) {
                throw new IllegalStateException("the seal key in " + file + " must be 32 bytes (base64)");
            }
            return decoded;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot read the seal key in " + file + ": " + e.getMessage());
        }
    }
}
