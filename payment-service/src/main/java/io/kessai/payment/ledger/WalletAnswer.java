package io.kessai.payment.ledger;

import io.vertx.core.json.JsonObject;

/**
 * What wallet-service answered: a status below 500 and its body. A 2xx posted (or replayed) the transfer; a 4xx is a
 * definitive refusal that left no trace (docs/ledger.md, "Idempotency"), with the problem's {@code type} code.
 */
public record WalletAnswer(int status, JsonObject body) {

    private static final String PROBLEM_BASE = "https://kessai.io/problems/";

    /**
     * Whether this answer settles the transfer's fate: a post, or a refusal of the transfer itself. A 5xx, and a 401
     * or 403 (wallet-service refusing the caller's token, not the transfer), are not: nothing is known, or nothing
     * was tried.
     */
    public boolean definitive() {
        return status < 500 && status != 401 && status != 403;
    }

    public boolean posted() {
        return status >= 200 && status < 300;
    }

    /** The refusal's problem code ({@code insufficient-funds}, {@code account-frozen}, ...). */
    public String problemCode() {
        String type = body == null ? null : body.getString("type");
        return type != null && type.startsWith(PROBLEM_BASE) ? type.substring(PROBLEM_BASE.length()) : "refused";
    }

    public String detail() {
        String detail = body == null ? null : body.getString("detail");
        return detail == null ? "wallet-service refused with HTTP " + status : detail;
    }
}
