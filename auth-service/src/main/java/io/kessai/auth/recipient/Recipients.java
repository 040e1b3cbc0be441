package io.kessai.auth.recipient;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.Ids;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.auth.throttle.Throttles;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Resolves a phone number to the customer who can receive a transfer: an active (so phone-verified) customer, not
 * frozen, whose wallet was opened at activation. Every other number (unknown, frozen, a merchant owner's, a
 * registration not confirmed) gets one and the same 404, so the caller, and through it the sender, can tell none of
 * them apart. Rate limited per calling client, and every lookup is audited with the client and the sender.
 */
@ApplicationScoped
public class Recipients {

    private final Pool pool;
    private final Throttles throttles;
    private final AuditLog audit;

    Recipients(Pool pool, Throttles throttles, AuditLog audit) {
        this.pool = pool;
        this.throttles = throttles;
        this.audit = audit;
    }

    public Uni<ResolveRequest.Resolved> resolve(String clientId, ResolveRequest request) {
        return throttles.recipientResolve(clientId).flatMap(taken -> {
            String e164 = PhoneNumbers.toE164(request.phone(), "phone");
            UUID sender = Ids.uuid(request.senderId()).orElse(null);
            return pool.preparedQuery("SELECT id, phone_e164, status, account_type FROM app_user WHERE phone_e164 = $1 "
                    + "OR id = $2").execute(Tuple.of(e164, sender)).flatMap(rows -> {
                        Row recipient = null;
                        Row from = null;
                        for (Row row : rows) {
                            if (row.getString("phone_e164").equals(e164)) {
                                recipient = row;
                            }
                            if (row.getUUID("id").equals(sender)) {
                                from = row;
                            }
                        }
                        boolean receives = recipient != null && "active".equals(recipient.getString("status"))
                                && "customer".equals(recipient.getString("account_type"));
                        UUID found = receives ? recipient.getUUID("id") : null;
                        AuditLog.Event event = AuditLog.Event.of(AuditLog.Type.RECIPIENT_RESOLVE, receives
                                ? AuditLog.Outcome.SUCCESS
                                : AuditLog.Outcome.REFUSED).user(found).phone(e164).actor(clientId)
                                .with("senderId", request.senderId());
                        String senderName = from == null ? null : PhoneNumbers.masked(from.getString("phone_e164"));
                        return audit.record(event).map(recorded -> {
                            if (!receives) {
                                throw new ProblemException(404, "recipient-unavailable", "Recipient unavailable",
                                        "No customer who can receive has this number.");
                            }
                            return new ResolveRequest.Resolved(found.toString(), PhoneNumbers.masked(e164),
                                    senderName);
                        });
                    });
        });
    }
}
