package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * CPU time of the processes a benchmark involves, and of the whole machine, so that each phase can say how many cores
 * the service used and how many went to everything else (on a shared machine, other people's builds). Process CPU
 * comes from the JDK ({@link ProcessHandle.Info#totalCpuDuration()}); the machine's and single threads' from
 * {@code /proc} (Linux only: elsewhere those figures are unknown).
 */
final class CpuMeter {

    /** CPU time per group and per detail, the machine's busy and total ticks (or -1), at one moment. */
    record Sample(long nanoTime, Map<String, Duration> groups, Map<String, Duration> details, long machineBusy,
            long machineTotal) {
    }

    /**
     * Cores used per group and per detail between two samples, and by the whole machine (NaN when unknown). Groups
     * are disjoint; a detail is a part of a group (some threads of a process).
     */
    record Usage(double seconds, Map<String, Double> cores, Map<String, Double> details, double machineCores) {

        double cores(String name) {
            return cores.getOrDefault(name, details.getOrDefault(name, Double.NaN));
        }

        /** Cores busy with anything but the measured groups. */
        double otherCores() {
            return machineCores - cores.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** CPU time {@code name} spent per unit of work, in milliseconds. */
        double millisPer(String name, long work) {
            return work == 0 ? Double.NaN : cores(name) * seconds * 1000 / work;
        }
    }

    /** Clock ticks per second in /proc's CPU times (USER_HZ, 100 on Linux builds for every common architecture). */
    private static final double TICKS_PER_SECOND = 100;

    private final Map<String, Supplier<Duration>> groups;
    private final Map<String, Supplier<Duration>> details;

    /** {@code groups} and {@code details}: a name and how to read its CPU time so far. */
    CpuMeter(Map<String, Supplier<Duration>> groups, Map<String, Supplier<Duration>> details) {
        this.groups = groups;
        this.details = details;
    }

    /** The CPU time of {@code processes}, looked up again at each sample (processes come and go). */
    static Supplier<Duration> processes(Supplier<Stream<ProcessHandle>> processes) {
        return () -> processes.get()
                .map(process -> process.info().totalCpuDuration())
                .flatMap(Optional::stream)
                .reduce(Duration.ZERO, Duration::plus);
    }

    /** The CPU time of the threads named {@code name} in {@code process} (zero where /proc is missing). */
    static Supplier<Duration> threads(Supplier<Stream<ProcessHandle>> process, String name) {
        return () -> Duration.ofNanos(Math.round(process.get().mapToLong(handle -> threadTicks(handle.pid(), name))
                .sum() / TICKS_PER_SECOND * 1e9));
    }

    /** {@code service}'s JVM as the stack runs it at each call (a service may be restarted), or none. */
    static Supplier<Stream<ProcessHandle>> jvm(LocalStack stack, Service service) {
        return () -> {
            Process process = stack.process(service);
            return process == null ? Stream.empty() : Stream.of(process.toHandle());
        };
    }

    /** The CPU time of {@code service}'s JVM. */
    static Supplier<Duration> service(LocalStack stack, Service service) {
        return processes(jvm(stack, service));
    }

    /** The PostgreSQL server listening on {@code port}: its postmaster and every backend and helper under it. */
    static Supplier<Stream<ProcessHandle>> postgres(int port) {
        String portArgument = " -p " + port + " ";
        return () -> ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine()
                        .filter(line -> line.contains("bin/postgres ") && (line + " ").contains(portArgument))
                        .isPresent())
                .flatMap(postmaster -> Stream.concat(Stream.of(postmaster), postmaster.descendants()));
    }

    Sample sample() {
        long[] machine = machineTicks();
        return new Sample(System.nanoTime(), read(groups), read(details), machine[0], machine[1]);
    }

    static Usage between(Sample before, Sample after) {
        double seconds = (after.nanoTime() - before.nanoTime()) / 1e9;
        double machineCores = before.machineTotal() < 0 || after.machineTotal() <= before.machineTotal()
                ? Double.NaN
                : (double) (after.machineBusy() - before.machineBusy()) / (after.machineTotal() - before.machineTotal())
                        * Runtime.getRuntime().availableProcessors();
        return new Usage(seconds, cores(before.groups(), after.groups(), seconds),
                cores(before.details(), after.details(), seconds), machineCores);
    }

    private static Map<String, Duration> read(Map<String, Supplier<Duration>> sources) {
        Map<String, Duration> cpu = new LinkedHashMap<>();
        sources.forEach((name, source) -> cpu.put(name, source.get()));
        return cpu;
    }

    private static Map<String, Double> cores(Map<String, Duration> before, Map<String, Duration> after,
            double seconds) {
        Map<String, Double> cores = new LinkedHashMap<>();
        after.forEach((name, cpu) -> cores.put(name,
                (cpu.toNanos() - before.getOrDefault(name, Duration.ZERO).toNanos()) / 1e9 / seconds));
        return cores;
    }

    /** User and system ticks of the threads called {@code name} in process {@code pid}, or 0. */
    private static long threadTicks(long pid, String name) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.mapToLong(task -> {
                try {
                    if (!Files.readString(task.resolve("comm")).strip().equals(name)) {
                        return 0;
                    }
                    String stat = Files.readString(task.resolve("stat"));
                    // After the command in parentheses: state is field 3, utime field 14, stime field 15.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                } catch (IOException | RuntimeException threadGone) {
                    return 0;
                }
            }).sum();
        } catch (IOException | RuntimeException notLinux) {
            return 0;
        }
    }

    /** Busy and total ticks of all cores from the first line of /proc/stat, or {-1, -1}. */
    private static long[] machineTicks() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] fields = lines.get(0).trim().split("\\s+");
            long total = 0;
            // user nice system idle iowait irq softirq steal (guest time is already in user)
            for (int i = 1; i < Math.min(fields.length, 9); i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new long[]{total - idle, total};
        } catch (IOException | RuntimeException notLinux) {
            return new long[]{-1, -1};
        }
    }
}
