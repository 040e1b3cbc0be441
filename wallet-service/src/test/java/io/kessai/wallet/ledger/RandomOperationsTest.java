package io.kessai.wallet.ledger;

import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.available;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.invariants;
import static io.kessai.wallet.WalletApi.leg;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.post;
import static io.kessai.wallet.WalletApi.systemAccount;
import static io.kessai.wallet.WalletApi.transfer;
import static io.kessai.wallet.WalletApi.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

/**
 * Random sequences of every money operation against the running service, checked step by step against a simple model
 * of balances, holds and reversible amounts: each answer must be the one the model predicts (posted, or refused with
 * the predicted problem type), and at the end every balance must equal the model's and the invariants must hold. The
 * seed is in every failure message, so a failing sequence can be replayed.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class RandomOperationsTest {

    private static final long LIMIT = 1_000_000;

    /** What the model knows of a posted single-leg transfer that may still be reversed. */
    record Reversible(String id, String from, String to, long amount, long[] reversed) {
    }

    record Hold(String id, String account, long amount) {
    }

    final Map<String, Long> balance = new HashMap<>();
    final Map<String, Long> held = new HashMap<>();
    final List<Reversible> reversible = new ArrayList<>();
    final List<Hold> holds = new ArrayList<>();

    @Test
    void randomSequencesOfOperationsMatchTheModel() {
        for (long seed : new long[]{1, 2, 3}) {
            run(seed, 120);
        }
    }

    private void run(long seed, int steps) {
        Random random = new Random(seed);
        balance.clear();
        held.clear();
        reversible.clear();
        holds.clear();
        String clearing = systemAccount("funding-clearing");
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            customers.add(openCustomer(unique("c")));
        }
        List<String> merchants = new ArrayList<>();
        for (int subAccounts : new int[]{1, 3}) {
            merchants.add(asService().body(Map.of("merchantId", unique("m"), "subAccounts", subAccounts))
                    .post("/v1/internal/accounts/merchants").then().statusCode(201).extract().path("id"));
        }
        customers.forEach(c -> balance.put(c, 0L));
        merchants.forEach(m -> balance.put(m, 0L));

        for (int step = 0; step < steps; step++) {
            String where = "seed " + seed + ", step " + step;
            String customer = customers.get(random.nextInt(customers.size()));
            String other = customers.get(random.nextInt(customers.size()));
            String merchant = merchants.get(random.nextInt(merchants.size()));
            long amount = 1 + random.nextInt(random.nextBoolean() ? 5_000 : 400_000);
            switch (random.nextInt(8)) {
                case 0 -> expectTransfer(where, "topup", clearing, customer, amount,
                        balance.get(customer) + amount > LIMIT ? "balance-limit-exceeded" : null);
                case 1 -> expectTransfer(where, "payment", customer, merchant, amount,
                        canSpend(customer, amount) ? null : "insufficient-funds");
                case 2 -> {
                    if (!customer.equals(other)) {
                        expectTransfer(where, "p2p", customer, other, amount, !canSpend(customer, amount)
                                ? "insufficient-funds"
                                : balance.get(other) + amount > LIMIT ? "balance-limit-exceeded" : null);
                    }
                }
                case 3 -> expectTransfer(where, "refund", merchant, customer, amount,
                        balance.get(merchant) >= amount ? null : "insufficient-funds");
                case 4 -> reverse(where, random);
                case 5 -> reserve(where, customer, amount);
                case 6 -> capture(where, random, merchant);
                default -> voidHold(where, random);
            }
        }
        for (Map.Entry<String, Long> account : balance.entrySet()) {
            assertEquals(account.getValue(), balance(account.getKey()), "seed " + seed + ": balance of "
                    + account.getKey());
            assertEquals(account.getValue() - held.getOrDefault(account.getKey(), 0L), available(account.getKey()),
                    "seed " + seed + ": available of " + account.getKey());
        }
        assertEquals(Boolean.TRUE, invariants().get("ok"), "seed " + seed);
    }

    private boolean canSpend(String account, long amount) {
        return balance.get(account) - held.getOrDefault(account, 0L) >= amount;
    }

    private void expectTransfer(String where, String kind, String from, String to, long amount, String refusal) {
        ExtractableResponse<Response> answer = post(UUID.randomUUID().toString(),
                transfer(kind, List.of(leg(from, to, amount)))).extract();
        if (refusal != null) {
            assertEquals(refusal, answer.path("code"), where + ": " + answer.asString());
            return;
        }
        assertEquals(201, answer.statusCode(), where + ": " + answer.asString());
        move(from, to, amount);
        reversible.add(new Reversible(answer.path("id"), from, to, amount, new long[1]));
    }

    private void reverse(String where, Random random) {
        if (reversible.isEmpty()) {
            return;
        }
        Reversible original = reversible.get(random.nextInt(reversible.size()));
        long remaining = original.amount() - original.reversed()[0];
        long amount = 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE - 1, remaining + remaining / 5 + 1));
        ExtractableResponse<Response> answer = asService().header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("amount", amount)).post("/v1/internal/transfers/" + original.id() + "/reversals")
                .then().extract();
        String expected = amount > remaining
                ? "reversal-exceeds-original"
                : balance.containsKey(original.to()) && !canSpend(original.to(), amount) ? "insufficient-funds" : null;
        if (expected != null) {
            assertEquals(expected, answer.path("code"), where + ": " + answer.asString());
            return;
        }
        assertEquals(201, answer.statusCode(), where + ": " + answer.asString());
        original.reversed()[0] += amount;
        move(original.to(), original.from(), amount);
    }

    private void reserve(String where, String customer, long amount) {
        ExtractableResponse<Response> answer = asService().header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("accountId", customer, "amount", amount)).post("/v1/internal/holds").then().extract();
        if (!canSpend(customer, amount)) {
            assertEquals("insufficient-funds", answer.path("code"), where + ": " + answer.asString());
            return;
        }
        assertEquals(201, answer.statusCode(), where + ": " + answer.asString());
        holds.add(new Hold(answer.path("id"), customer, amount));
        held.merge(customer, amount, Long::sum);
    }

    private void capture(String where, Random random, String merchant) {
        if (holds.isEmpty()) {
            return;
        }
        Hold hold = holds.get(random.nextInt(holds.size()));
        long amount = 1 + random.nextInt((int) (hold.amount() + hold.amount() / 5));
        ExtractableResponse<Response> answer = asService().header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("legs", List.of(Map.of("to", merchant, "amount", amount))))
                .post("/v1/internal/holds/" + hold.id() + "/capture").then().extract();
        if (amount > hold.amount()) {
            assertEquals("capture-exceeds-hold", answer.path("code"), where + ": " + answer.asString());
            return;
        }
        assertEquals(201, answer.statusCode(), where + ": " + answer.asString());
        holds.remove(hold);
        held.merge(hold.account(), -hold.amount(), Long::sum);
        move(hold.account(), merchant, amount);
        reversible.add(new Reversible(answer.path("id"), hold.account(), merchant, amount, new long[1]));
    }

    private void voidHold(String where, Random random) {
        if (holds.isEmpty()) {
            return;
        }
        Hold hold = holds.remove(random.nextInt(holds.size()));
        asService().post("/v1/internal/holds/" + hold.id() + "/void").then().statusCode(200);
        held.merge(hold.account(), -hold.amount(), Long::sum);
    }

    private void move(String from, String to, long amount) {
        balance.computeIfPresent(from, (account, value) -> value - amount);
        balance.computeIfPresent(to, (account, value) -> value + amount);
    }
}
