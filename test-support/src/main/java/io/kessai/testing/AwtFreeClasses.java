package io.kessai.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Finds the classes of a service's own code (its {@code target/classes} and the Kessai modules it ships with) that
 * name an AWT or ImageIO type. A native executable that reaches AWT needs the quarkus-awt extension and freetype and
 * fontconfig in its image, which the micro base image lacks (docs/native.md); the services draw with cpm-reference's
 * MonochromePng instead, and each service's test keeps it so.
 */
public final class AwtFreeClasses {

    /** The packages a class must not name: their internal names, as the constant pool holds them. */
    private static final List<String> FORBIDDEN = List.of("java/awt/", "javax/imageio/");
    /** Kessai modules on a service's test class path that never go into its executable. */
    private static final Set<String> TEST_ONLY = Set.of("kessai-test-support", "kessai-local-stack");

    private AwtFreeClasses() {
    }

    /**
     * The classes, as {@code <class path entry>!<class file>: <package>}, of this test's class path entries that are
     * Kessai main code and name a forbidden package; empty when the service is AWT-free. Also fails when no Kessai
     * code was found at all, so a test cannot pass by scanning nothing.
     */
    public static List<String> offenders() {
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!isKessaiMainCode(path)) {
                continue;
            }
            scanned++;
            try {
                if (Files.isDirectory(path)) {
                    try (Stream<Path> files = Files.walk(path)) {
                        for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                            check(entry + "!" + path.relativize(file), Files.readAllBytes(file), offenders);
                        }
                    }
                } else {
                    try (ZipFile jar = new ZipFile(path.toFile())) {
                        for (ZipEntry file : jar.stream().filter(f -> f.getName().endsWith(".class")).toList()) {
                            try (InputStream in = jar.getInputStream(file)) {
                                check(entry + "!" + file.getName(), in.readAllBytes(), offenders);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (scanned == 0) {
            throw new IllegalStateException("no Kessai main code on the class path: " + System.getProperty(
                    "java.class.path"));
        }
        return offenders;
    }

    /** A module's {@code target/classes}, or a Kessai jar (from the reactor or the local repository). */
    private static boolean isKessaiMainCode(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isDirectory(path)) {
            Path module = path.getParent() == null ? null : path.getParent().getParent();
            return name.equals("classes") && path.getParent().getFileName().toString().equals("target")
                    && module != null && !TEST_ONLY.contains("kessai-" + module.getFileName());
        }
        return name.endsWith(".jar") && (name.startsWith("kessai-") || name.contains("-service-"))
                && TEST_ONLY.stream().noneMatch(name::startsWith);
    }

    private static void check(String where, byte[] classFile, List<String> offenders) {
        String text = new String(classFile, StandardCharsets.ISO_8859_1);
        for (String forbidden : FORBIDDEN) {
            if (text.contains(forbidden)) {
                offenders.add(where + ": " + forbidden.replace('/', '.'));
            }
        }
    }
}
