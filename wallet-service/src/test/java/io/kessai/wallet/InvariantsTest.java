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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Tampers with the ledger behind its back and expects the invariant check to say so. The check scans the whole
 * database, so this class has an application start, and so a database, of its own ({@link OwnLedger}): its tampering
 * can never be seen by another test's check, even if a restore failed, and what its reports find is its own
 * tampering and nothing another test left behind.
 */
@QuarkusTest
@TestProfile(InvariantsTest.OwnLedger.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class InvariantsTest {

    /** No settings changed: a profile of its own only to get a fresh application and database. */
    public static class OwnLedger implements QuarkusTestProfile {
    }

    /** The violations gauge as /q/metrics exports it now. */
    private static double violationsGauge() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith("kessai_wallet_invariant_violations "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no kessai_wallet_invariant_violations in " + metrics));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTamperedBalanceIsReportedWithTheChecksItBreaksAndAMetric() {
        String wallet = openCustomer(unique("user"));
        String shop = openMerchant(unique("shop"));
        topUp(wallet, 1_000);
        move("payment", wallet, shop, 300).statusCode(201);
        Map<String, Object> clean = invariants();
        assertEquals(Boolean.TRUE, clean.get("ok"), clean::toString);
        assertEquals(0.0, violationsGauge(), "the gauge reports the last check: no violations");

        // Someone edits a balance behind the ledger's back: money appears from nowhere.
        execute("UPDATE account_shard SET balance = balance + 5 WHERE account_id = '" + wallet + "'");
        try {
            Map<String, Object> report = invariants();
            assertEquals(Boolean.FALSE, report.get("ok"));
            List<Map<String, String>> discrepancies = (List<Map<String, String>>) report.get("discrepancies");
            List<String> broken = discrepancies.stream().map(d -> d.get("check")).toList();
            // Exactly these two, in a database that holds nothing but this class's rows.
            assertEquals(List.of("money-conserved", "balance-equals-entries"), broken, discrepancies::toString);
            assertTrue(discrepancies.toString().contains(wallet), "names the account");
            assertEquals(discrepancies.size(), violationsGauge(), "the gauge counts the report's findings");
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
