package io.kessai.auth.factor;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.recovery.RecoveryCodes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;

/** The codes a user types as a second factor besides SMS: from the authenticator app, or a recovery code. */
@ApplicationScoped
public class SecondFactorCodes {

    private final TotpFactors totp;
    private final RecoveryCodes recoveryCodes;

    SecondFactorCodes(TotpFactors totp, RecoveryCodes recoveryCodes) {
        this.totp = totp;
        this.recoveryCodes = recoveryCodes;
    }

    /**
     * Uses up an authenticator code ({@code method} {@code totp}) or else a recovery code; false when the code is
     * wrong, replayed or already spent.
     */
    public Uni<Boolean> use(SqlConnection tx, UUID userId, String method, String code) {
        return "totp".equals(method) ? totp.verify(tx, userId, code) : recoveryCodes.use(tx, userId, code);
    }
}
