package io.kessai.auth.otp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OTP key file: created once, owner-only, never seen half-written, the same key for every process. */
class OtpPepperTest {

    @TempDir
    Path folder;

    private List<String> files() throws Exception {
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theFirstStartCreatesAnOwnerOnlyKeyThatLaterStartsRead() throws Exception {
        Path file = folder.resolve("otp-pepper");
        byte[] created = OtpPepper.load(file, true);
        assertEquals(32, created.length);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(List.of("otp-pepper"), files(), "no temporary file is left behind");
        assertArrayEquals(created, OtpPepper.load(file, true));
        assertArrayEquals(created, OtpPepper.load(file, false));
    }

    @Test
    void anExistingKeyIsUsedAsItIs() throws Exception {
        Path file = folder.resolve("otp-pepper");
        byte[] key = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        Files.writeString(file, HexFormat.of().formatHex(key) + "\n");
        assertArrayEquals(key, OtpPepper.load(file, true));
    }

    @Test
    void withoutGenerationAMissingOrShortKeyFailsTheStart() throws Exception {
        assertThrows(IllegalStateException.class, () -> OtpPepper.load(folder.resolve("missing"), false));
        Files.writeString(folder.resolve("short"), "00112233");
        assertThrows(IllegalStateException.class, () -> OtpPepper.load(folder.resolve("short"), true));
        assertEquals(List.of("short"), files());
    }

    /** Replicas starting together on an empty volume: whatever the interleaving, they all end up with the file's key. */
    @Test
    void startsRacingOnAMissingFileAllGetTheKeyInTheFile() throws Exception {
        Path file = folder.resolve("otp-pepper");
        int starts = 8;
        ExecutorService replicas = Executors.newFixedThreadPool(starts);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<byte[]>> keys = new ArrayList<>();
            for (int i = 0; i < starts; i++) {
                keys.add(replicas.submit(() -> {
                    go.await();
                    return OtpPepper.load(file, true);
                }));
            }
            go.countDown();
            List<byte[]> loaded = new ArrayList<>();
            for (Future<byte[]> key : keys) {
                loaded.add(key.get());
            }
            byte[] inFile = HexFormat.of().parseHex(Files.readString(file).trim());
            for (byte[] key : loaded) {
                assertArrayEquals(inFile, key);
            }
            assertEquals(List.of("otp-pepper"), files(), "no temporary file is left behind");
        } finally {
            replicas.shutdownNow();
        }
    }
}
