package io.kessai.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The machine and runtime a run measured on, so that figures from different machines are not compared blindly. */
record Machine(int cores, String cpu, String architecture, String jdk, String commit) {

    static Machine describe(Path repository) {
        return new Machine(Runtime.getRuntime().availableProcessors(), cpuModel(),
                output(List.of("uname", "-m"), repository, System.getProperty("os.arch")),
                System.getProperty("java.vendor") + " " + Runtime.version(),
                output(List.of("git", "rev-parse", "--short", "HEAD"), repository, "unknown"));
    }

    /** The 1-minute load average, which tells whether something else competed for the CPU during the run. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst().orElse("");
        } catch (IOException | RuntimeException notLinux) {
            return "";
        }
    }

    /** The first line a small command prints, or {@code fallback} when it is missing or fails. */
    private static String output(List<String> command, Path directory, String fallback) {
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 && !text.isEmpty()) {
                return text.lines().findFirst().orElse(fallback);
            }
        } catch (IOException e) {
            // fall through: the tool is not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fallback;
    }
}
