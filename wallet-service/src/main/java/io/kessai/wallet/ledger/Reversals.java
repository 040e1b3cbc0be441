package io.kessai.wallet.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.OperatorStepUp;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reverses a posted transfer, fully or partly, with a new transfer of opposite legs that references it. Entries are
 * never edited, and the legs' running {@code reversed} amounts (checked by the database as well) keep the total
 * reversed at or below the original, even when reversals race: they queue on the original's leg rows.
 */
@ApplicationScoped
public class Reversals {

    private final Pool pool;
    private final Transfers transfers;

    Reversals(Pool pool, Transfers transfers) {
        this.pool = pool;
        this.transfers = transfers;
    }

    /** One leg of the original as it stands now. */
    record OriginalLeg(int leg, UUID from, UUID to, long amount, long reversed) {

        long remaining() {
            return amount - reversed;
        }
    }

    /** An operator's reversal: who, in which step-up session, and why. */
    public record ByOperator(OperatorStepUp.Operator operator, String reason) {

        /** The caller the reversal is posted as: its idempotency keys are the operator's own. */
        String caller() {
            return "ops:" + operator.userId();
        }
    }

    /** Reverses a transfer the caller posted. */
    public Uni<TransferView.Outcome> reverse(String caller, String idempotencyKey, UUID originalId,
            ReversalRequest request) {
        return reverse(caller, idempotencyKey, originalId, request, null);
    }

    /**
     * An operator reverses any caller's transfer (to make a victim whole), recorded in {@code ops_action} in the
     * reversal's own transaction; a replay of the same key answers the first reversal and records nothing new.
     */
    public Uni<TransferView.Outcome> reverseByOperator(ByOperator by, String idempotencyKey, UUID originalId,
            ReversalRequest request) {
        return reverse(by.caller(), idempotencyKey, originalId, request, by);
    }

    private Uni<TransferView.Outcome> reverse(String caller, String idempotencyKey, UUID originalId,
            ReversalRequest request, ByOperator by) {
        Transfers.checkIdempotencyKey(idempotencyKey);
        if (request.amount() != null && request.legs() != null) {
            throw ProblemException.invalidField("legs",
                    "Give either amount (a single-leg transfer) or legs, not both.");
        }
        String hash = RequestDigest.sha256(Map.of("reverses", originalId.toString(), "request", request));
        return pool.withTransaction(tx -> lockOriginal(tx, by == null ? caller : null, originalId).flatMap(original -> {
            Transfers.Claim claim = new Transfers.Claim(caller, idempotencyKey, hash, TransferKind.REVERSAL,
                    request.reference(), request.metadata(), original.currency(), originalId, null);
            return transfers.claim(tx, claim).flatMap(claimed -> {
                if (claimed == null) {
                    return transfers.replay(tx, claim);
                }
                List<Posting.Leg> legs = new ArrayList<>();
                long[] amounts = amountsToReverse(original.legs(), request);
                for (OriginalLeg leg : original.legs()) {
                    long amount = amounts[leg.leg()];
                    if (amount > 0) {
                        legs.add(new Posting.Leg(leg.to(), leg.from(), amount));
                    }
                }
                return transfers.post(tx, claimed, legs, null)
                        .call(view -> recordReversed(tx, originalId, amounts))
                        .call(view -> by == null
                                ? Uni.createFrom().voidItem()
                                : recordOpsAction(tx, by, originalId,
                                        view, amounts))
                        .map(view -> new TransferView.Outcome(view, false));
            });
        }));
    }

    record Original(String currency, List<OriginalLeg> legs) {
    }

    private static Uni<Void> recordOpsAction(SqlConnection tx, ByOperator by, UUID originalId, TransferView reversal,
            long[] amounts) {
        long total = 0;
        for (long amount : amounts) {
            total += amount;
        }
        return tx.preparedQuery("INSERT INTO ops_action (action, operator, session, reason, original_id, transfer_id, "
                + "amount) VALUES ('reversal', $1, $2, $3, $4, $5, $6)")
                .execute(Tuple.from(new Object[]{by.operator().userId(), by.operator().sessionId(), by.reason(),
                        originalId, reversal.id(), total}))
                .replaceWithVoid();
    }

    /**
     * Locks the original's legs (reversals of one transfer queue here); a transfer of another caller is not found.
     * {@code caller} null: any caller's (an operator's reversal).
     */
    private Uni<Original> lockOriginal(SqlConnection tx, String caller, UUID originalId) {
        return tx.preparedQuery("SELECT l.leg, l.from_account, l.to_account, l.amount, l.reversed, t.kind, t.currency, "
                + "t.caller FROM transfer_leg l JOIN transfer t ON t.id = l.transfer_id WHERE l.transfer_id = $1 "
                + "ORDER BY l.leg FOR UPDATE OF l")
                .execute(Tuple.of(originalId))
                .map(rows -> {
                    List<OriginalLeg> legs = new ArrayList<>();
                    String currency = null;
                    for (Row row : rows) {
                        if (caller != null && !caller.equals(row.getString("caller"))) {
                            break;
                        }
                        if (TransferKind.REVERSAL.wire().equals(row.getString("kind"))) {
                            throw LedgerProblem.NOT_REVERSIBLE.exception("Transfer " + originalId
                                    + " is itself a reversal; post a new transfer instead of reversing it.");
                        }
                        currency = row.getString("currency");
                        legs.add(new OriginalLeg(row.getInteger("leg"), row.getUUID("from_account"),
                                row.getUUID("to_account"), row.getLong("amount"), row.getLong("reversed")));
                    }
                    if (legs.isEmpty()) {
                        throw LedgerProblem.TRANSFER_NOT_FOUND.exception("No transfer " + originalId + ".");
                    }
                    return new Original(currency, List.copyOf(legs));
                });
    }

    /** The amount to reverse on each leg of the original, indexed by leg; checked against what remains. */
    private long[] amountsToReverse(List<OriginalLeg> legs, ReversalRequest request) {
        long[] amounts = new long[legs.size()];
        if (request.legs() != null) {
            for (int i = 0; i < request.legs().size(); i++) {
                ReversalRequest.LegAmount wanted = request.legs().get(i);
                if (wanted.leg() >= legs.size()) {
                    throw ProblemException.invalidField("legs[" + i + "].leg",
                            "The transfer has no leg " + wanted.leg() + ".");
                }
                transfers.checkAmount(wanted.amount(), "legs[" + i + "].amount");
                amounts[wanted.leg()] = Math.addExact(amounts[wanted.leg()], wanted.amount());
            }
        } else if (request.amount() != null) {
            if (legs.size() != 1) {
                throw ProblemException.invalidField("amount",
                        "The transfer has " + legs.size() + " legs: say which to reverse with legs.");
            }
            transfers.checkAmount(request.amount(), "amount");
            amounts[0] = request.amount();
        } else {
            for (OriginalLeg leg : legs) {
                amounts[leg.leg()] = leg.remaining();
            }
        }
        long total = 0;
        for (OriginalLeg leg : legs) {
            if (amounts[leg.leg()] > leg.remaining()) {
                throw LedgerProblem.REVERSAL_EXCEEDS_ORIGINAL.exception("Leg " + leg.leg() + " moved " + leg.amount()
                        + " and " + leg.reversed() + " of it is already reversed; " + amounts[leg.leg()]
                        + " more would exceed the original.");
            }
            total += amounts[leg.leg()];
        }
        if (total == 0) {
            throw LedgerProblem.REVERSAL_EXCEEDS_ORIGINAL.exception("The transfer is already fully reversed.");
        }
        return amounts;
    }

    private static Uni<Void> recordReversed(SqlConnection tx, UUID originalId, long[] amounts) {
        Integer[] legs = new Integer[amounts.length];
        Long[] values = new Long[amounts.length];
        for (int i = 0; i < amounts.length; i++) {
            legs[i] = i;
            values[i] = amounts[i];
        }
        return tx.preparedQuery("UPDATE transfer_leg l SET reversed = l.reversed + v.amount "
                + "FROM unnest($2::int[], $3::bigint[]) AS v(leg, amount) WHERE l.transfer_id = $1 AND l.leg = v.leg")
                .execute(Tuple.of(originalId, legs, values))
                .replaceWithVoid();
    }
}
