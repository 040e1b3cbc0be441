package io.kessai.auth.otp;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * <p>
 * Replicas share the file, and several may start at once on an empty volume. So the file only ever appears whole: the
 * key is written to a temporary file in the same folder and then linked in under its name, which fails if another
 * replica got there first; every replica then uses the key that is in the file.
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
                create(file);
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

    /** Puts a new key at {@code file} unless another process did first; never leaves a partly written file there. */
    private static void create(Path file) throws IOException {
        byte[] fresh = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(fresh);
        Files.createDirectories(file.getParent());
        // Created owner-only (createTempFile's default on POSIX), written and closed before anyone can see it.
        Path temporary = Files.createTempFile(file.getParent(), file.getFileName() + "-", ".tmp");
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(temporary, HexFormat.of().formatHex(fresh));
            try {
                // A hard link appears atomically and, unlike a rename, never replaces a file another replica put
                // there in the meantime: two replicas starting together end up with the same key.
                Files.createLink(file, temporary);
                LOG.infof("Created the OTP hashing key at %s", file);
            } catch (FileAlreadyExistsException anotherReplicaWasFirst) {
                LOG.infof("Another process created the OTP hashing key at %s; using it", file);
            } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
                // A file system without hard links: an atomic rename still never shows a partial file, though two
                // replicas starting in the same instant could each keep their own key until restarted.
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
                LOG.infof("Created the OTP hashing key at %s", file);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
