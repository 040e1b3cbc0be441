package io.kessai.payment.settlement;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * The sandbox bank: no money leaves, and the account number decides the outcome, so every path of a payout can be
 * tried (docs/payments.md, "Settlement and payouts", lists the test accounts):
 * <ul>
 * <li>{@code 9999001}: fails, account closed; {@code 9999002}: fails, holder name does not match;</li>
 * <li>{@code 9999003}: times out (the outcome is unknown), and the payout turns out to have been paid;</li>
 * <li>{@code 9999004}: times out, and the payout turns out to have failed (account closed);</li>
 * <li>any other account: paid.</li>
 * </ul>
 * Outcomes are kept per payout id in memory, so a payout sent twice is paid once; the sandbox is for one replica
 * (dev, tests), a bank's own gateway keeps them for real.
 */
@ApplicationScoped
public class SandboxPayoutGateway implements PayoutGateway {

    public static final String CLOSED = "9999001";
    public static final String NAME_MISMATCH = "9999002";
    public static final String TIMEOUT_THEN_PAID = "9999003";
    public static final String TIMEOUT_THEN_FAILED = "9999004";

    private final Map<UUID, Outcome> outcomes = new ConcurrentHashMap<>();

    @Override
    public Uni<Outcome> send(Order order) {
        Outcome first = outcomes.computeIfAbsent(order.payoutId(), id -> outcome(id, order.account()
                .accountNumber()));
        return Uni.createFrom().item(switch (order.account().accountNumber()) {
            case TIMEOUT_THEN_PAID, TIMEOUT_THEN_FAILED -> Outcome.unknown("the sandbox bank did not answer in time");
            default -> first;
        });
    }

    @Override
    public Uni<Outcome> status(UUID payoutId) {
        Outcome known = outcomes.get(payoutId);
        return Uni.createFrom().item(known == null ? Outcome.notFound() : known);
    }

    private static Outcome outcome(UUID payoutId, String accountNumber) {
        return switch (accountNumber) {
            case CLOSED, TIMEOUT_THEN_FAILED -> Outcome.failed("account-closed", "The bank account is closed.");
            case NAME_MISMATCH -> Outcome.failed("holder-name-mismatch",
                    "The account holder's name does not match the bank's records.");
            default -> Outcome.paid("sandbox-" + payoutId);
        };
    }
}
