package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * How much memory each service's JVM holds, from {@code /proc/<pid>/status} (Linux only: elsewhere unknown): its
 * peak resident set since it started ({@code VmHWM}) and its resident set now ({@code VmRSS}). Read after the loads,
 * the peak is what a container's memory request and limit must allow for (the Helm chart's figures follow from it).
 */
record ServiceMemory(Map<Service, Mebibytes> services) {

    /** Peak and current resident set in MiB; -1 when unknown. */
    record Mebibytes(long peak, long now) {
    }

    static ServiceMemory of(LocalStack stack) {
        Map<Service, Mebibytes> services = new LinkedHashMap<>();
        for (Service service : Service.values()) {
            Process process = stack.process(service);
            services.put(service, process == null ? new Mebibytes(-1, -1) : read(process.pid()));
        }
        return new ServiceMemory(services);
    }

    private static Mebibytes read(long pid) {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            return new Mebibytes(kibibytes(status, "VmHWM:") / 1024, kibibytes(status, "VmRSS:") / 1024);
        } catch (IOException | RuntimeException unknown) {
            return new Mebibytes(-1, -1);
        }
    }

    /** The figure of a line such as {@code VmHWM:   234512 kB}, or -1024 when absent. */
    static long kibibytes(List<String> status, String field) {
        return status.stream()
                .filter(line -> line.startsWith(field))
                .map(line -> line.substring(field.length()).trim().split("\\s+")[0])
                .mapToLong(Long::parseLong)
                .findFirst()
                .orElse(-1024);
    }

    /** "auth-service 310 MiB (now 296), ..." in the order of {@link Service}. */
    String summary() {
        return services.entrySet().stream()
                .map(entry -> entry.getKey().module() + " " + mib(entry.getValue().peak()) + " (now "
                        + mib(entry.getValue().now()) + ")")
                .collect(Collectors.joining(", "));
    }

    private static String mib(long value) {
        return value < 0 ? "unknown" : value + " MiB";
    }
}
