package io.kessai.auth.registration;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AccountType;
import io.kessai.auth.message.UserMessages;
import io.kessai.auth.otp.OtpChallenges;
import io.kessai.auth.password.PasswordHasher;
import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.auth.wallet.CustomerWallet;
import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Registration with a phone number and password, confirmed by an SMS code to that number. The answer never says
 * whether the number already has an account: the password is hashed on every path (similar timing), the same
 * per-number limits apply, and for a number that has an account a challenge is recorded that no code can pass and
 * nothing is sent. That holds whatever the account's type: a merchant owner uses a number that has no account yet,
 * as a customer does. Confirming activates the account and, for a customer, asks wallet-service in the same
 * transaction to open the wallet; a merchant owner has none.
 */
@ApplicationScoped
public class Registrations {

    /** Marks a challenge recorded for a number that already has an account: it can never confirm anything. */
    private static final String DECOY = "decoy";

    private final Pool pool;
    private final PasswordHasher hasher;
    private final OtpChallenges challenges;
    private final CustomerWallet wallet;
    private final UserMessages messages;

    Registrations(Pool pool, PasswordHasher hasher, OtpChallenges challenges, CustomerWallet wallet,
            UserMessages messages) {
        this.pool = pool;
        this.hasher = hasher;
        this.challenges = challenges;
        this.wallet = wallet;
        this.messages = messages;
    }

    public Uni<RegistrationRequest.Started> start(RegistrationRequest.Start request) {
        String phone = PhoneNumbers.toE164(request.phone(), "phone");
        return hasher.checkAndHash(request.password(), phone, "password").flatMap(hash -> pool.withTransaction(tx -> tx
                .preparedQuery("SELECT id, status FROM app_user WHERE phone_e164 = $1 FOR UPDATE")
                .execute(Tuple.of(phone))
                .flatMap(rows -> {
                    if (rows.size() == 1 && !"pending".equals(rows.iterator().next().getString("status"))) {
                        return challenges.issue(tx, OtpChallenges.Purpose.REGISTER, DECOY, phone);
                    }
                    Uni<UUID> user = rows.size() == 1
                            ? replacePassword(tx, rows.iterator().next(), hash, request)
                            : insertPending(tx, phone, hash, request);
                    return user.flatMap(userId -> challenges.issue(tx, OtpChallenges.Purpose.REGISTER,
                            userId.toString(), phone)
                            .call(issued -> messages.smsCode(tx, issued, userId, phone,
                                    request.localeOrDefault())));
                })))
                .map(issued -> new RegistrationRequest.Started(issued.id().toString(),
                        issued.expiresAt().toString()));
    }

    public Uni<RegistrationRequest.Confirmed> confirm(String registrationId, String code) {
        UUID challenge = parse(registrationId);
        return challenges.verify(challenge, OtpChallenges.Purpose.REGISTER, code).flatMap(subject -> {
            if (DECOY.equals(subject)) {
                throw new ProblemException(400, "invalid-code", "Invalid code", "The code is wrong or has expired.");
            }
            UUID userId = UUID.fromString(subject);
            return pool.withTransaction(tx -> tx.preparedQuery("UPDATE app_user SET status = 'active', "
                    + "activated_at = now() WHERE id = $1 AND status = 'pending' RETURNING account_type")
                    .execute(Tuple.of(userId))
                    .flatMap(rows -> {
                        if (rows.size() == 0) {
                            throw new ProblemException(400, "code-expired", "Code expired",
                                    "This registration has ended; start again.");
                        }
                        if (AccountType
                                .fromWire(rows.iterator().next().getString("account_type")) != AccountType.CUSTOMER) {
                            return Uni.createFrom().voidItem();
                        }
                        // The wallet opens through the outbox: retried until wallet-service accepts, and idempotent
                        // there, so an outage of wallet-service never blocks or loses an activation.
                        return wallet.open(tx, userId);
                    })
                    .map(opened -> new RegistrationRequest.Confirmed(userId.toString(), "active")));
        });
    }

    private static Uni<UUID> insertPending(SqlConnection tx, String phone, String hash,
            RegistrationRequest.Start request) {
        UUID id = TimeOrderedUuid.next();
        return tx.preparedQuery("INSERT INTO app_user (id, phone_e164, password_hash, status, locale, account_type) "
                + "VALUES ($1, $2, $3, 'pending', $4, $5)")
                .execute(Tuple.of(id, phone, hash, request.localeOrDefault(), request.accountTypeOrDefault().wire()))
                .map(ignored -> id);
    }

    /**
     * A second start for a pending registration (a retry, or a forgotten first attempt) takes the new password, locale
     * and account type.
     */
    private static Uni<UUID> replacePassword(SqlConnection tx, Row pending, String hash,
            RegistrationRequest.Start request) {
        UUID id = pending.getUUID("id");
        return tx.preparedQuery("UPDATE app_user SET password_hash = $2, locale = $3, account_type = $4, "
                + "created_at = now() WHERE id = $1")
                .execute(Tuple.of(id, hash, request.localeOrDefault(), request.accountTypeOrDefault().wire()))
                .map(ignored -> id);
    }

    private static UUID parse(String registrationId) {
        try {
            return UUID.fromString(registrationId);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(400, "invalid-code", "Invalid code", "The code is wrong or has expired.");
        }
    }
}
