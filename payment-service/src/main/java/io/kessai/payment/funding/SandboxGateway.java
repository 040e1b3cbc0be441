package io.kessai.payment.funding;

import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A sandbox funding gateway that behaves like a card acquirer's sandbox, with documented test card numbers
 * (docs/payments.md, "Top-ups and the sandbox cards"). Like a provider's sandbox it keeps its state on its own side:
 * here in tables of its own ({@code sandbox_card}, {@code sandbox_charge}), so that it survives restarts and every
 * replica sees the same charges. It keeps the behaviour a card stands for under a random token, never the number.
 * It moves no real money: it is for development, tests and demos only.
 */
@ApplicationScoped
public class SandboxGateway implements FundingGateway {

    /** The test cards: number to behaviour. Every other number is refused as not supported. */
    static final Map<String, String> CARDS = Map.of(
            "4000000000000101", "approve",
            "4000000000000515", "decline:insufficient-funds",
            "4000000000000523", "decline:card-declined",
            "4000000000000531", "decline:expired-card",
            "4000000000000309", "challenge",
            "4000000000000903", "timeout:approved",
            "4000000000000911", "timeout:declined",
            "4000000000000705", "late");

    private final Pool pool;

    SandboxGateway(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<Tokenized> tokenize(CardDetails card) {
        String behaviour = CARDS.get(card.number());
        if (behaviour == null) {
            return Uni.createFrom().failure(new CardRefused("card-not-supported", "The sandbox accepts only its "
                    + "test cards (docs/payments.md, \"Top-ups and the sandbox cards\")."));
        }
        String token = "tok_sandbox_" + UUID.randomUUID().toString().replace("-", "");
        return pool.preparedQuery("INSERT INTO sandbox_card (token, behaviour) VALUES ($1, $2)")
                .execute(Tuple.of(token, behaviour))
                .map(inserted -> new Tokenized(token, "visa", card.number().substring(card.number().length() - 4),
                        card.expiryMonth(), card.expiryYear()));
    }

    @Override
    public Uni<Charge> charge(String reference, String token, long amount, String currency,
            boolean challengeCompleted) {
        return pool.preparedQuery("SELECT behaviour FROM sandbox_card WHERE token = $1").execute(Tuple.of(token))
                .flatMap(cards -> {
                    if (cards.size() == 0) {
                        return Uni.createFrom().item(new Charge(Status.DECLINED, null, "card-declined"));
                    }
                    String behaviour = cards.iterator().next().getString("behaviour");
                    String[] outcome = outcome(behaviour, challengeCompleted);
                    // One charge per reference: a repeat answers the charge as it is (a completed challenge
                    // approves a charge that waited for it).
                    return pool.preparedQuery("INSERT INTO sandbox_charge (reference, token, amount, status, decline, "
                            + "charge_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (reference) DO UPDATE SET status "
                            + "= CASE WHEN sandbox_charge.status = 'challenge' AND $7 THEN 'approved' ELSE "
                            + "sandbox_charge.status END RETURNING status, decline, charge_id")
                            .execute(Tuple.from(new Object[]{reference, token, amount, outcome[0], outcome[1],
                                    "ch_sandbox_" + UUID.randomUUID().toString().replace("-", ""),
                                    challengeCompleted}))
                            .map(rows -> {
                                Charge charge = charge(rows.iterator().next());
                                if (behaviour.startsWith("timeout:")) {
                                    // Recorded on the gateway's side, but the answer never comes back.
                                    throw new GatewayUnavailable("the sandbox gateway timed out (test card)", true);
                                }
                                return charge;
                            });
                });
    }

    private static String[] outcome(String behaviour, boolean challengeCompleted) {
        if (behaviour.startsWith("decline:")) {
            return new String[]{"declined", behaviour.substring("decline:".length())};
        }
        return switch (behaviour) {
            case "challenge" -> new String[]{challengeCompleted ? "approved" : "challenge", null};
            case "timeout:declined" -> new String[]{"declined", "card-declined"};
            case "late" -> new String[]{"pending", null};
            default -> new String[]{"approved", null};
        };
    }

    @Override
    public Uni<Charge> status(String reference) {
        // A late approval is still pending at the first query and approved from the second on.
        return pool.preparedQuery("UPDATE sandbox_charge SET queries = queries + 1, status = CASE WHEN status = "
                + "'pending' AND queries >= 1 THEN 'approved' ELSE status END WHERE reference = $1 RETURNING status, "
                + "decline, charge_id").execute(Tuple.of(reference))
                .map(rows -> rows.size() == 0
                        ? new Charge(Status.NOT_FOUND, null, null)
                        : charge(rows.iterator().next()));
    }

    private static Charge charge(Row row) {
        Status status = switch (row.getString("status")) {
            case "approved" -> Status.APPROVED;
            case "declined" -> Status.DECLINED;
            case "challenge" -> Status.CHALLENGE_REQUIRED;
            default -> Status.PENDING;
        };
        return new Charge(status, status == Status.APPROVED ? row.getString("charge_id") : null,
                row.getString("decline"));
    }
}
