package io.kessai.payment.settlement;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The bank account a merchant is paid to: one per merchant, registered and changed by its owner. */
@ApplicationScoped
public class BankAccounts {

    /** A bank account as an owner registers it (Zengin: bank and branch codes, type, number, holder in kana). */
    public record Registration(
            @NotNull @Pattern(regexp = "[0-9]{4}", message = "must be a 4-digit bank code") String bankCode,
            @NotNull @Pattern(regexp = "[0-9]{3}", message = "must be a 3-digit branch code") String branchCode,
            @NotNull @Pattern(regexp = "ordinary|current", message = "must be ordinary or current") String accountType,
            @NotNull @Pattern(regexp = "[0-9]{7}", message = "must be a 7-digit account number") String accountNumber,
            @NotBlank @Size(max = 60) @Pattern(regexp = "[\\p{IsKatakana}\\uFF65-\\uFF9F A-Z0-9().,/\\-\\u3000]+", message = "must be the holder's name as the bank has it: katakana, A-Z, 0-9, spaces and ().,/-") String holderName) {
    }

    /** A registered account; the number is shown whole only to its owner and ops. */
    public record BankAccount(UUID merchantId, String bankCode, String branchCode, String accountType,
            String accountNumber, String holderName, long version, OffsetDateTime updatedAt) {
    }

    private static final String COLUMNS = "merchant_id, bank_code, branch_code, account_type, account_number, "
            + "holder_name, version, updated_at";

    private final Pool pool;

    BankAccounts(Pool pool) {
        this.pool = pool;
    }

    /** Registers or replaces the merchant's account; the same account again changes nothing. */
    public Uni<BankAccount> register(String by, UUID merchantId, Registration account) {
        return pool.preparedQuery("INSERT INTO merchant_bank_account (merchant_id, bank_code, branch_code, "
                + "account_type, account_number, holder_name, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                + "ON CONFLICT (merchant_id) DO UPDATE SET bank_code = EXCLUDED.bank_code, branch_code = "
                + "EXCLUDED.branch_code, account_type = EXCLUDED.account_type, account_number = "
                + "EXCLUDED.account_number, holder_name = EXCLUDED.holder_name, registered_by = "
                + "EXCLUDED.registered_by, version = merchant_bank_account.version + 1, updated_at = now() "
                + "WHERE (merchant_bank_account.bank_code, merchant_bank_account.branch_code, "
                + "merchant_bank_account.account_type, merchant_bank_account.account_number, "
                + "merchant_bank_account.holder_name) IS DISTINCT FROM (EXCLUDED.bank_code, EXCLUDED.branch_code, "
                + "EXCLUDED.account_type, EXCLUDED.account_number, EXCLUDED.holder_name)")
                .execute(Tuple.from(new Object[]{merchantId, account.bankCode(), account.branchCode(),
                        account.accountType(), account.accountNumber(), account.holderName(), by}))
                .flatMap(done -> of(pool, merchantId));
    }

    /** The merchant's account: 404 {@code bank-account-not-found} when it has none. */
    public Uni<BankAccount> of(UUID merchantId) {
        return of(pool, merchantId).map(account -> {
            if (account == null) {
                throw SettlementProblem.BANK_ACCOUNT_NOT_FOUND.exception("Merchant " + merchantId
                        + " has registered no bank account.");
            }
            return account;
        });
    }

    /** The merchant's account, or null. */
    static Uni<BankAccount> of(SqlClient client, UUID merchantId) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM merchant_bank_account WHERE merchant_id = $1")
                .execute(Tuple.of(merchantId))
                .map(rows -> rows.size() == 0 ? null : read(rows.iterator().next()));
    }

    private static BankAccount read(Row row) {
        return new BankAccount(row.getUUID("merchant_id"), row.getString("bank_code"), row.getString("branch_code"),
                row.getString("account_type"), row.getString("account_number"), row.getString("holder_name"),
                row.getLong("version"), row.getOffsetDateTime("updated_at"));
    }
}
