package io.kessai.auth.otp;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.auth.AuthConfig;

/**
 * The key one-time codes are hashed with, kept in a file apart from the database (readable by its owner only) and
 * created on first start, the way the signing keys are. Without it, a leaked table of six-digit codes would be
 * reversed by trying all million of them.
 */
@ApplicationScoped
public class OtpPepper {

    private static final Logger LOG = Logger.getLogger(OtpPepper.class);
    private static final int KEY_BYTES = 32;

    private final byte[] key;

    OtpPepper(AuthConfig config) {
        this.key = load(config.otp().pepperFile().toAbsolutePath(), config.otp().generatePepper());
    }

    public byte[] key() {
        return key.clone();
    }

    static byte[] load(Path file, boolean generate) {
        try {
            if (!Files.exists(file)) {
                if (!generate) {
                    throw new IllegalStateException("No OTP key at " + file
                            + " and kessai.auth.otp.generate-pepper is false");
                }
                byte[] fresh = new byte[KEY_BYTES];
                new SecureRandom().nextBytes(fresh);
                Files.createDirectories(file.getParent());
                Files.writeString(file, HexFormat.of().formatHex(fresh));
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                }
                LOG.infof("Created the OTP hashing key at %s", file);
                return fresh;
            }
            byte[] loaded = HexFormat.of().parseHex(Files.readString(file).trim());
            if (loaded.length < 16) {
                throw new IllegalStateException("The OTP key at " + file + " is shorter than 128 bits");
            }
            return loaded;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("Cannot read or create the OTP key at " + file, e);
        }
    }
}
