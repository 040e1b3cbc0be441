package io.kessai.payment.risk;

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
}
