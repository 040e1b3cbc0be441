package io.kessai.auth.audit;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The security audit log (table {@code audit_event}): every sign-in, failure, lockout, factor change, device binding,
 * reset, token reuse and freeze, every wrong client secret at the token endpoint, every change of what a merchant owner
 * holds, every till credential made, rotated, revoked or refused a token, and every phone number a service resolved
 * for a transfer (which client, for which sender, found or not), with who, when, device, address and
 * outcome. An event that belongs to a change is written in that change's transaction; a refusal is written on its
 * own, because its request changes nothing else.
 */
@ApplicationScoped
public class AuditLog {

    /** What happened; the wire names are what ops search by. */
    public enum Type {

        LOGIN, LOGIN_CHALLENGE, SECOND_FACTOR, LOCKOUT, DEVICE_BOUND, REFRESH_TOKEN_REUSE, REFRESH_TOKEN_KEY_MISMATCH, LOGOUT, STEP_UP, FACTOR_CHANGE, PASSWORD_RESET_REQUEST, PASSWORD_RESET, EMAIL_VERIFICATION, USER_FREEZE, USER_UNFREEZE, DEVICE_FREEZE, DEVICE_UNFREEZE, DEVICE_UNBIND, SIGNING_KEY_ROTATION, CLIENT_AUTHENTICATION, MERCHANT_HOLDING, TILL_CREATE, TILL_SECRET_ROTATION, TILL_REVOKE, TILL_TOKEN, RECIPIENT_RESOLVE;

        public String wire() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    public enum Outcome {

        SUCCESS, FAILURE, REFUSED;

        public String wire() {
            return name().toLowerCase();
        }
    }

    /**
     * One event. {@code actor} is who acted when it is not the user (an ops client id); {@code detail} holds what is
     * particular to the type (a reason, a factor, a family id), never a secret.
     */
    public record Event(Type type, Outcome outcome, UUID userId, String phone, String deviceId, String address,
            String actor, JsonObject detail) {

        public static Event of(Type type, Outcome outcome) {
            return new Event(type, outcome, null, null, null, null, null, new JsonObject());
        }

        public Event outcome(Outcome ended) {
            return new Event(type, ended, userId, phone, deviceId, address, actor, detail);
        }

        public Event user(UUID id) {
            return new Event(type, outcome, id, phone, deviceId, address, actor, detail);
        }

        public Event phone(String e164) {
            return new Event(type, outcome, userId, e164, deviceId, address, actor, detail);
        }

        public Event device(String id) {
            return new Event(type, outcome, userId, phone, id, address, actor, detail);
        }

        public Event address(String from) {
            return new Event(type, outcome, userId, phone, deviceId, from, actor, detail);
        }

        public Event actor(String who) {
            return new Event(type, outcome, userId, phone, deviceId, address, who, detail);
        }

        public Event with(String key, Object value) {
            return new Event(type, outcome, userId, phone, deviceId, address, actor, detail.copy().put(key, value));
        }
    }

    private final Pool pool;

    AuditLog(Pool pool) {
        this.pool = pool;
    }

    /** Writes the event with {@code client}: a transaction to share its fate, or the pool for a refusal. */
    public Uni<Void> record(SqlClient client, Event event) {
        return client.preparedQuery("INSERT INTO audit_event (type, outcome, user_id, phone_e164, device_id, address, "
                + "actor, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .execute(Tuple.from(new Object[]{event.type().wire(), event.outcome().wire(), event.userId(),
                        event.phone(), event.deviceId(), event.address(), event.actor(), event.detail()}))
                .replaceWithVoid();
    }

    /** Writes a refusal on its own connection. */
    public Uni<Void> record(Event event) {
        return record(pool, event);
    }
}
