package io.kessai.payment.p2p;

import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.payment.risk.HeldMovements;
import io.kessai.payment.risk.MoneyMovement;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Held P2P transfers as the review list resolves them. A held transfer holds nothing (no wallet hold, no counted
 * amount), so refusing one only fails it; approving one makes it pending and due at once, so the
 * {@link TransferReconciler} posts it under its own id like any other pending transfer.
 */
@ApplicationScoped
public class HeldTransfers implements HeldMovements {

    @Override
    public Set<MoneyMovement.Kind> kinds() {
        return Set.of(MoneyMovement.Kind.P2P);
    }

    @Override
    public Uni<Void> proceed(SqlConnection tx, UUID id) {
        return tx.preparedQuery("UPDATE p2p_transfer SET status = 'pending', next_attempt_at = now(), updated_at = "
                + "now() WHERE id = $1 AND status = 'held'").execute(Tuple.of(id)).replaceWithVoid();
    }

    @Override
    public Uni<Void> refuse(SqlConnection tx, UUID id, String code, String detail) {
        return Transfers.fail(tx, id, code, detail);
    }
}
