package io.kessai.wallet;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.asCustomer;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.execute;
import static io.kessai.wallet.WalletApi.invariants;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class InvariantsTest {

    @Test
    @SuppressWarnings("unchecked")
    void aTamperedBalanceIsReportedWithTheChecksItBreaksAndAMetric() {
        String wallet = openCustomer(unique("user"));
        String shop = openMerchant(unique("shop"));
        topUp(wallet, 1_000);
        move("payment", wallet, shop, 300).statusCode(201);
        assertEquals(Boolean.TRUE, invariants().get("ok"));
        given().get("/q/metrics").then().body(containsString("kessai_wallet_invariant_violations 0.0"));

        // Someone edits a balance behind the ledger's back: money appears from nowhere.
        execute("UPDATE account_shard SET balance = balance + 5 WHERE account_id = '" + wallet + "'");
        try {
            Map<String, Object> report = invariants();
            assertEquals(Boolean.FALSE, report.get("ok"));
            List<String> broken = ((List<Map<String, String>>) report.get("discrepancies")).stream()
                    .map(d -> d.get("check")).toList();
            assertTrue(broken.containsAll(List.of("money-conserved", "balance-equals-entries")), broken::toString);
            assertTrue(report.get("discrepancies").toString().contains(wallet), "names the account");
            given().get("/q/metrics").then().body(containsString("kessai_wallet_invariant_violations 2.0"));
        } finally {
            execute("UPDATE account_shard SET balance = balance - 5 WHERE account_id = '" + wallet + "'");
        }
        assertEquals(Boolean.TRUE, invariants().get("ok"));
    }

    @Test
    void aTamperedEntryBreaksTheRunningBalanceAndTheTransferBalance() {
        String wallet = openCustomer(unique("user"));
        String transfer = topUp(wallet, 1_000);
        execute("UPDATE entry SET amount = amount + 1 WHERE transfer_id = '" + transfer + "' AND amount > 0");
        try {
            Map<String, Object> report = invariants();
            assertEquals(Boolean.FALSE, report.get("ok"));
            String found = report.get("discrepancies").toString();
            assertTrue(found.contains("transfer-balanced") && found.contains("running-balance"), found);
        } finally {
            execute("UPDATE entry SET amount = amount - 1 WHERE transfer_id = '" + transfer + "' AND amount > 0");
        }
        assertEquals(Boolean.TRUE, invariants().get("ok"));
    }

    @Test
    void anEntryOfAMissingTransferIsReported() {
        String wallet = openCustomer(unique("user"));
        String ghost = java.util.UUID.randomUUID().toString();
        execute("INSERT INTO entry (transfer_id, position, leg, account_id, shard, amount, balance_after, kind) "
                + "VALUES ('" + ghost + "', 1, 0, '" + wallet + "', 0, 1, 1, 'adjustment')");
        try {
            String found = invariants().get("discrepancies").toString();
            assertTrue(found.contains("entry-references") && found.contains(ghost), found);
        } finally {
            execute("DELETE FROM entry WHERE transfer_id = '" + ghost + "'");
        }
        assertEquals(Boolean.TRUE, invariants().get("ok"));
    }

    @Test
    void onlyOpsRunTheCheck() {
        expectProblem(asService().get("/v1/ops/ledger/invariants").then(), 403, "forbidden");
        expectProblem(asCustomer("u").get("/v1/ops/ledger/invariants").then(), 403, "forbidden");
        expectProblem(given().get("/v1/ops/ledger/invariants").then(), 401, "unauthorized");
    }
}
