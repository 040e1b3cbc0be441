package io.kessai.payment.risk;

import java.util.ArrayList;
import java.util.List;

import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * The one place where every money movement asks "may this happen?", inside the transaction that records it, so a
 * decision and what it counted commit or roll back with the movement itself. A refusal is a
 * {@link io.kessai.common.problem.ProblemException} (422 with its own type); no network call is made here.
 */
public interface MoneyMovementGate {

    /** Admits {@code movement} or throws the refusal; what it counts (the day's total) counts from now on. */
    Uni<Void> admit(SqlConnection tx, MoneyMovement movement);

    /** Gives back what {@link #admit} counted, for a movement that definitively did not happen. */
    Uni<Void> release(SqlConnection tx, MoneyMovement movement);

    /**
     * Judges many movements of one transaction, each alone, as {@link #admit} would one after the other: the answers
     * in their order, null for admitted, the refusal otherwise. No two of them are of the same customer (a group
     * holds one movement per customer), and a refusal counts nothing, so the others commit as if it had not been
     * asked. A gate may do this with fewer statements than one per movement.
     */
    default Uni<List<ProblemException>> admitAll(SqlConnection tx, List<MoneyMovement> movements) {
        List<ProblemException> refusals = new ArrayList<>();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (MoneyMovement movement : movements) {
            chain = chain.flatMap(done -> Uni.createFrom().deferred(() -> admit(tx, movement)))
                    .onItem().invoke(done -> refusals.add(null))
                    .onFailure(ProblemException.class).recoverWithItem(refused -> {
                        refusals.add((ProblemException) refused);
                        return null;
                    });
        }
        return chain.map(done -> refusals);
    }

    /** {@link #release} for each of {@code movements}, none of them of the same customer. */
    default Uni<Void> releaseAll(SqlConnection tx, List<MoneyMovement> movements) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (MoneyMovement movement : movements) {
            chain = chain.flatMap(done -> release(tx, movement));
        }
        return chain;
    }
}
