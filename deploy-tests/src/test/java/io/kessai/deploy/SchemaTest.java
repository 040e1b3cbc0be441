package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** values.schema.json rejects values of the wrong type and keys it does not know, before anything renders. */
class SchemaTest {

    @Test
    void aReplicaCountThatIsNoNumberIsRejected() {
        assertRejected(Map.of("payment.replicaCount", "two"), "replicaCount");
    }

    @Test
    void anUnknownKeyIsRejected() {
        assertRejected(Map.of("payment.replicas", 2), "replicas");
        assertRejected(Map.of("replicaCount", 2), "replicaCount");
    }

    @Test
    void aMisspeltNestedKeyIsRejected() {
        assertRejected(Map.of("wallet.autoscaling.hpa.targetCpu", 50), "targetCpu");
    }

    @Test
    void aCpuTargetThatIsNoNumberIsRejected() {
        assertRejected(Map.of("wallet.autoscaling.hpa.targetCPU", "high"), "targetCPU");
    }

    @Test
    void anUnknownSmsSenderIsRejected() {
        assertRejected(Map.of("notification.sms.sender", "carrier-pigeon"), "sender");
    }

    @Test
    void theShippedValuesFilesPass() {
        assertDoesNotThrow(Chart::renderDefault);
        assertDoesNotThrow(Chart::renderProduction);
        assertDoesNotThrow(() -> Chart.render(List.of(), Map.of("wallet.resources.limits.cpu", "2")));
    }

    private static void assertRejected(Map<String, Object> sets, String key) {
        var failure = assertThrows(IllegalStateException.class, () -> Chart.render(List.of(), sets));
        assertTrue(failure.getMessage().contains("schema") && failure.getMessage().contains(key), failure.getMessage());
    }
}
