package io.kessai.payment.p2p;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Scopes;
import io.kessai.outbox.ScopedTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/**
 * Finds who a phone number belongs to, through auth-service, for a transfer: the recipient's user id and what each
 * party is shown of the other. Any number that cannot receive (unknown, frozen, a merchant owner's, not activated) is
 * the same empty answer. Reading only, so nothing is ever lost when the call fails: every failure is 503.
 */
@ApplicationScoped
class Recipients {

    private static final Logger LOG = Logger.getLogger(Recipients.class);
    /** Only this: a stolen token of this call can resolve numbers and nothing else. */
    static final String SCOPE = Scopes.AUTH_USERS_RESOLVE;

    private final RecipientCalls calls;
    private final ScopedTokens tokens;

    Recipients(RecipientCalls calls, ScopedTokens tokens) {
        this.calls = calls;
        this.tokens = tokens;
    }

    /**
     * Who may receive.
     *
     * @param recipientName the recipient's number, masked, as the sender is shown it
     * @param senderName the sender's number, masked, as the recipient is shown it
     */
    record Recipient(String userId, String recipientName, String senderName) {
    }

    /** The recipient of {@code phone} for {@code senderId}, or null when the number cannot receive. */
    Uni<Recipient> resolve(String phone, String senderId) {
        JsonObject request = new JsonObject().put("phone", phone).put("senderId", senderId);
        return tokens.token(SCOPE).flatMap(token -> calls.resolve("Bearer " + token, request))
                .onFailure(e -> !(e instanceof ProblemException)).transform(e -> {
                    LOG.debugf("Resolving a recipient failed: %s", e.toString());
                    return unavailable();
                })
                .map(answer -> switch (answer.status()) {
                    case 200 -> recipient(answer.body());
                    case 404 -> null;
                    case 400 -> throw invalidPhone(answer.body());
                    case 401, 403 -> {
                        tokens.forget(SCOPE);
                        throw unavailable();
                    }
                    default -> throw unavailable();
                });
    }

    private static Recipient recipient(JsonObject body) {
        String userId = body.getString("userId");
        if (userId == null || userId.isBlank()) {
            throw unavailable();
        }
        return new Recipient(userId, text(body.getString("recipientName")), text(body.getString("senderName")));
    }

    private static String text(String name) {
        return name == null || name.isBlank() ? "Kessai user" : name;
    }

    /** auth-service could not read the number as a mobile number: the same 400 as it gives, on our field. */
    private static ProblemException invalidPhone(JsonObject problem) {
        String detail = problem.getString("detail", "Give a mobile phone number, e.g. 090-1234-5678.");
        return new ProblemException(400, "invalid-phone-number", "Invalid phone number", detail,
                List.of(new Problem.FieldError("phone", detail)), Map.of());
    }

    private static ProblemException unavailable() {
        return ProblemException.unavailable("Transfers cannot look numbers up right now; nothing was sent. Try "
                + "again shortly.");
    }
}
