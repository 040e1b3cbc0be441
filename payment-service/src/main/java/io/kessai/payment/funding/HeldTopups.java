package io.kessai.payment.funding;

import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.payment.risk.HeldMovements;
import io.kessai.payment.risk.MoneyMovement;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Held top-ups as the review list resolves them. A held top-up has charged nothing and counted nothing, so refusing
 * one only fails it; approving one makes it due at once with no charge sent, so the {@link TopupReconciler} charges it
 * under its own reference like a fresh one.
 */
@ApplicationScoped
public class HeldTopups implements HeldMovements {

    @Override
    public Set<MoneyMovement.Kind> kinds() {
        return Set.of(MoneyMovement.Kind.TOPUP);
    }

    @Override
    public Uni<Void> proceed(SqlConnection tx, UUID id) {
        return tx.preparedQuery("UPDATE topup SET status = 'charging', next_attempt_at = now(), updated_at = now() "
                + "WHERE id = $1 AND status = 'held'").execute(Tuple.of(id)).replaceWithVoid();
    }

    @Override
    public Uni<Void> refuse(SqlConnection tx, UUID id, String code, String detail) {
        return Topups.fail(tx, id, "held", code, detail);
    }
}
