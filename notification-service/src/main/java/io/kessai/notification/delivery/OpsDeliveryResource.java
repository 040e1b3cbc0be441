package io.kessai.notification.delivery;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Operations on deliveries: see what is dead-lettered or limited, and send it again on demand. */
@Path("/v1/ops/deliveries")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
@Produces(MediaType.APPLICATION_JSON)
public class OpsDeliveryResource {

    private final Pool pool;

    OpsDeliveryResource(Pool pool) {
        this.pool = pool;
    }

    public record DeliveryRecord(long id, String eventId, String channel, String recipient, String status,
            int attempts, String lastError, OffsetDateTime createdAt, OffsetDateTime nextAttemptAt) {
    }

    @GET
    @Operation(summary = "Deliveries in a state (dead by default), newest first; page with ?before=<id>")
    public Uni<List<DeliveryRecord>> list(
            @QueryParam("status") @DefaultValue("dead") @Pattern(regexp = "pending|sent|dead|limited") String status,
            @QueryParam("before") @Min(1) Long before,
            @QueryParam("limit") @DefaultValue("50") @Min(1) @Max(200) int limit) {
        return pool.preparedQuery("SELECT id, event_id, channel, recipient, status, attempts, last_error, created_at, "
                + "next_attempt_at FROM delivery WHERE status = $1 AND ($2::bigint IS NULL OR id < $2) "
                + "ORDER BY id DESC LIMIT $3")
                .execute(Tuple.of(status, before, limit))
                .map(rows -> {
                    List<DeliveryRecord> records = new ArrayList<>();
                    for (Row row : rows) {
                        records.add(new DeliveryRecord(row.getLong("id"), row.getString("event_id"),
                                row.getString("channel"), row.getString("recipient"), row.getString("status"),
                                row.getInteger("attempts"), row.getString("last_error"),
                                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("next_attempt_at")));
                    }
                    return records;
                });
    }

    @POST
    @Path("/{id}/redeliver")
    @Operation(summary = "Send a dead-lettered or limited delivery again, with a fresh attempt budget")
    public Uni<DeliveryRecord> redeliver(@PathParam("id") @Min(1) long id) {
        return pool.preparedQuery("UPDATE delivery SET status = 'pending', attempts = 0, next_attempt_at = now(), "
                + "last_error = NULL WHERE id = $1 AND status IN ('dead', 'limited') AND body IS NOT NULL "
                + "RETURNING id, event_id, channel, recipient, status, attempts, last_error, created_at, next_attempt_at")
                .execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (rows.size() == 1) {
                        Row row = rows.iterator().next();
                        return Uni.createFrom().item(new DeliveryRecord(row.getLong("id"), row.getString("event_id"),
                                row.getString("channel"), row.getString("recipient"), row.getString("status"),
                                row.getInteger("attempts"), row.getString("last_error"),
                                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("next_attempt_at")));
                    }
                    return pool.preparedQuery("SELECT status, body IS NULL AS purged FROM delivery WHERE id = $1")
                            .execute(Tuple.of(id))
                            .map(existing -> {
                                if (existing.size() == 0) {
                                    throw new ProblemException(404, ProblemCodes.NOT_FOUND, "Not found",
                                            "No delivery " + id + ".");
                                }
                                Row found = existing.iterator().next();
                                if (!"sent".equals(found.getString("status")) && found.getBoolean("purged")) {
                                    throw new ProblemException(409, "not-redeliverable", "Not redeliverable",
                                            "Delivery " + id + " is older than the retention of unsent texts; its "
                                                    + "text was cleared. Ask the caller to send a new event.");
                                }
                                throw new ProblemException(409, "not-redeliverable", "Not redeliverable",
                                        "Delivery " + id + " is " + existing.iterator().next().getString("status")
                                                + "; only dead or limited deliveries can be sent again.");
                            });
                });
    }
}
