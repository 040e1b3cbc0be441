package io.kessai.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The drill's short version (docs/reliability.md): two replicas of each service behind HAProxy, a small workload of
 * every operation, a replica of payment-service and one of wallet-service killed with SIGKILL mid-load, and PostgreSQL
 * killed and restarted. A regression in idempotency (a retry that pays twice), in reconciliation (a PENDING payment
 * never settled) or in the ledger fails it. The full drill is {@code ./kessai drill}, not part of the suite.
 */
class DrillIT {

    @Test
    void paymentsSurviveKilledReplicasAndACrashedDatabaseWithEveryYenAccountedFor() throws Exception {
        assumeTrue(haproxyInstalled(), "the drill balances replicas with HAProxy: apt-get install haproxy"
                + " (.ci/run installs it)");
        Path repository = Path.of(System.getProperty("kessai.repository", "..")).toAbsolutePath().normalize();
        DrillReport report = Drill.run(DrillOptions.shortRun(repository));
        System.out.print(report.console());

        assertEquals(List.of("baseline", "kill", "postgres-restart"), report.results().stream()
                .map(result -> result.fault().name()).toList());
        assertEquals(0, report.crashed(), "operations that crashed in the drill itself");
        for (Drill.FaultResult result : report.results()) {
            String fault = result.fault().name();
            assertTrue(result.window().acknowledged() > 0, fault + ": the workload ran and was acknowledged");
            assertEquals(List.of(), result.problems(), fault + ": targets missed");
            List<String> names = result.invariants().invariants().stream().map(DrillInvariants.Invariant::name)
                    .toList();
            assertTrue(names.size() >= 5, fault + ": every invariant was checked: " + names);
            result.invariants().invariants().forEach(invariant -> assertTrue(invariant.pass(),
                    fault + ": " + invariant.name() + ": " + invariant.detail()));
        }
        assertTrue(report.ok(), report.markdown());
    }

    private static boolean haproxyInstalled() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"), new String[]{"/usr/sbin"})
                .flatMap(Stream::of).anyMatch(directory -> Files.isExecutable(Path.of(directory, "haproxy")));
    }
}
