package io.kessai.payment.risk;

import java.util.Set;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * The flow that owns movements of some kinds, as the review list needs it: a movement the engine answered
 * {@code STEP_UP} is kept by its flow in a held state (recorded, not posted), and when ops approve or deny it from the
 * review list, or its hold expires, the engine tells the flow here, in the transaction that records the review. One
 * CDI bean per flow; each kind has exactly one.
 */
public interface HeldMovements {

    /** The kinds whose movements this flow holds. */
    Set<MoneyMovement.Kind> kinds();

    /**
     * Ops approved the held movement {@code id}: it goes ahead as if the engine had allowed it (the flow makes it
     * pending and due, so that its own reconciler posts it). A movement no longer held is left as it is.
     */
    Uni<Void> proceed(SqlConnection tx, UUID id);

    /**
     * The held movement {@code id} does not happen: ops denied it ({@code risk-denied}) or nobody resolved it in time
     * ({@code risk-hold-expired}). The flow fails it with that code and detail and gives back what it held. A movement
     * no longer held is left as it is.
     */
    Uni<Void> refuse(SqlConnection tx, UUID id, String code, String detail);
}
