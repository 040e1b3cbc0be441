package io.kessai.payment.merchant;

import java.util.UUID;

import io.vertx.mutiny.sqlclient.Row;

/**
 * A store as the payment path needs it: whose it is, whether its merchant may be paid, and what its codes print.
 *
 * @param ledgerAccountId the merchant's account in wallet-service, null until it is first looked up
 */
public record Payee(UUID merchantId, UUID storeId, MerchantStatus merchantStatus, boolean storeActive,
        String displayName, String city, String categoryCode, UUID ledgerAccountId) {

    /** The columns {@link #of(Row)} reads, for a query over {@code merchant m JOIN store s}. */
    public static final String COLUMNS = "m.id AS merchant_id, s.id AS store_id, m.status, s.status AS store_status, "
            + "m.display_name, m.city, m.category_code, m.ledger_account_id";

    public static Payee of(Row row) {
        return new Payee(row.getUUID("merchant_id"), row.getUUID("store_id"),
                MerchantStatus.fromWire(row.getString("status")).orElseThrow(),
                "active".equals(row.getString("store_status")), row.getString("display_name"), row.getString("city"),
                row.getString("category_code"), row.getUUID("ledger_account_id"));
    }
}
