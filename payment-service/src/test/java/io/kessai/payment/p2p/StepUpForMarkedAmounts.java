package io.kessai.payment.p2p;

import java.util.List;
import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.payment.risk.Decision;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.payment.risk.MoneyMovementGate;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Whatever gate runs, a P2P transfer of exactly {@link #MARKED} yen from a token without a fresh step-up is answered
 * STEP_UP, as the real engine will for risky transfers: so the held path is tested now, whatever rules the engine
 * has. Every other movement is the engine's.
 */
@Decorator
@Priority(10)
abstract class StepUpForMarkedAmounts implements MoneyMovementGate {

    static final long MARKED = 7_777;

    @Inject
    @Delegate
    @Any
    MoneyMovementGate engine;

    @Override
    public Uni<Decision> judge(SqlConnection tx, MoneyMovement movement) {
        return marked(movement) ? Uni.createFrom().item(stepUp()) : engine.judge(tx, movement);
    }

    @Override
    public Uni<List<Decision>> judgeAll(SqlConnection tx, List<MoneyMovement> movements) {
        return movements.size() == 1 && marked(movements.getFirst())
                ? Uni.createFrom().item(List.of(stepUp()))
                : engine.judgeAll(tx, movements);
    }

    private static boolean marked(MoneyMovement movement) {
        return movement.kind() == MoneyMovement.Kind.P2P && movement.amount() == MARKED
                && !movement.actor().steppedUp();
    }

    private static Decision stepUp() {
        return new Decision(TimeOrderedUuid.next(), Decision.Outcome.STEP_UP, List.of(new Decision.Reason(
                "test-marked-amount", Decision.Outcome.STEP_UP, 403, "step-up-required",
                "Confirm this transfer with a second factor.", Map.of())));
    }
}
