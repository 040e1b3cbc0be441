package io.kessai.payment.risk;

import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * The one place where every money movement asks "may this happen?" (MPM and CPM payments, top-ups, person-to-person;
 * refunds never ask), inside the transaction that records the movement, so a decision and what it counted commit or
 * roll back with the movement itself. No network call is made here: what the rules read lives in this service's
 * database and in the movement ({@link MoneyMovement.Actor}). Every decision is stored, ALLOW included, with its
 * reasons and figures.
 *
 * <p>How a flow uses it: build the movement, call {@link #judge} in the transaction that records it; on ALLOW go on;
 * on DENY record the movement failed with {@code decision.problem().code()} (or record nothing) and answer the
 * problem; on STEP_UP keep the movement held and answer the problem (see {@link Decision}). A movement that
 * definitively did not happen after being allowed is given back with {@link #release}.
 */
public interface MoneyMovementGate {

    /** Judges one movement; an ALLOW counts it from now on. */
    default Uni<Decision> judge(SqlConnection tx, MoneyMovement movement) {
        return judgeAll(tx, List.of(movement)).map(List::getFirst);
    }

    /**
     * Judges many movements of one transaction, each alone, as {@link #judge} would one after the other: the decisions
     * in their order. No two of them are of the same customer (a group holds one movement per customer), and a
     * refusal counts nothing, so the others commit as if it had not been asked. The engine does this with a few
     * set-based statements for the whole list.
     */
    Uni<List<Decision>> judgeAll(SqlConnection tx, List<MoneyMovement> movements);

    /** Gives back what an ALLOW counted, for a movement that definitively did not happen. */
    default Uni<Void> release(SqlConnection tx, MoneyMovement movement) {
        return releaseAll(tx, List.of(movement));
    }

    /** {@link #release} for each of {@code movements}, none of them of the same customer. */
    Uni<Void> releaseAll(SqlConnection tx, List<MoneyMovement> movements);
}
