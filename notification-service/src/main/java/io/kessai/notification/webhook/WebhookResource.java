package io.kessai.notification.webhook;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.kessai.notification.MerchantCaller;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A merchant's webhook endpoints and their deliveries. A merchant reaches only its own (anything else is 404); the
 * signing secret is shown once, at registration.
 */
@Path("/v1/webhooks")
@Tag(name = "webhooks")
@RolesAllowed(Roles.MERCHANT)
@Produces(MediaType.APPLICATION_JSON)
public class WebhookResource {

    /** The event types a merchant can receive: its own payments and refunds. */
    static final Set<String> EVENT_TYPES = Set.of("payment.completed", "payment.refunded", "payment.canceled");
    private static final int MAX_ENDPOINTS_PER_MERCHANT = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    Pool pool;

    @Inject
    TargetPolicy policy;

    @Inject
    SecurityIdentity identity;

    public record Registration(@NotBlank @Size(max = 2048) String url, @Size(max = 2) List<@NotNull String> events) {
    }

    public record Endpoint(UUID id, String url, List<String> events, OffsetDateTime createdAt, String secret) {
    }

    public record Delivery(long id, String eventId, String status, int attempts, Integer lastStatus,
            String lastError, OffsetDateTime createdAt, OffsetDateTime deliveredAt) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register an https endpoint; the answer carries its signing secret, shown only this once")
    public Uni<Response> register(@Valid @NotNull Registration registration) {
        List<String> events = registration.events() == null || registration.events().isEmpty()
                ? List.copyOf(new java.util.TreeSet<>(EVENT_TYPES))
                : registration.events().stream().distinct().sorted().toList();
        if (!EVENT_TYPES.containsAll(events)) {
            throw ProblemException.invalidField("events", "events may only name " + EVENT_TYPES + ".");
        }
        String merchant = merchant();
        return policy.checkRegistrationAsync(registration.url())
                .flatMap(checked -> store(merchant, checked.toString(), events));
    }

    private Uni<Response> store(String merchant, String url, List<String> events) {
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(secretBytes);
        String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        UUID id = UUID.randomUUID();
        return pool.withTransaction(connection -> connection
                .preparedQuery("SELECT count(*) AS n FROM webhook_endpoint WHERE merchant_id = $1 AND active")
                .execute(Tuple.of(merchant))
                .flatMap(rows -> {
                    if (rows.iterator().next().getLong("n") >= MAX_ENDPOINTS_PER_MERCHANT) {
                        throw new ProblemException(409, "too-many-webhooks", "Too many webhooks",
                                "A merchant can have at most " + MAX_ENDPOINTS_PER_MERCHANT + " endpoints.");
                    }
                    return connection.preparedQuery("INSERT INTO webhook_endpoint (id, merchant_id, url, secret, "
                            + "event_types) VALUES ($1, $2, $3, $4, $5) RETURNING created_at")
                            .execute(Tuple.of(id, merchant, url, secret, events.toArray(String[]::new)));
                }))
                .map(rows -> Response.status(201).entity(new Endpoint(id, url, events,
                        rows.iterator().next().getOffsetDateTime("created_at"), secret)).build());
    }

    @GET
    @Operation(summary = "The merchant's active endpoints (without secrets)")
    public Uni<List<Endpoint>> list() {
        return pool.preparedQuery("SELECT id, url, event_types, created_at FROM webhook_endpoint "
                + "WHERE merchant_id = $1 AND active ORDER BY created_at")
                .execute(Tuple.of(merchant()))
                .map(rows -> {
                    List<Endpoint> endpoints = new ArrayList<>();
                    for (Row row : rows) {
                        endpoints.add(new Endpoint(row.getUUID("id"), row.getString("url"),
                                List.of(row.getArrayOfStrings("event_types")), row.getOffsetDateTime("created_at"),
                                null));
                    }
                    return endpoints;
                });
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Stop sending to an endpoint")
    public Uni<Response> remove(@PathParam("id") UUID id) {
        return pool.preparedQuery("UPDATE webhook_endpoint SET active = false WHERE id = $1 AND merchant_id = $2 "
                + "AND active").execute(Tuple.of(id, merchant()))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw notFound();
                    }
                    return Response.noContent().build();
                });
    }

    @GET
    @Path("/{id}/deliveries")
    @Operation(summary = "Recent deliveries to an endpoint, newest first")
    public Uni<List<Delivery>> deliveries(@PathParam("id") UUID id) {
        return pool.preparedQuery("SELECT d.id, d.event_id, d.status, d.attempts, d.last_status, d.last_error, "
                + "d.created_at, d.delivered_at FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id "
                + "WHERE e.id = $1 AND e.merchant_id = $2 ORDER BY d.id DESC LIMIT 100")
                .execute(Tuple.of(id, merchant()))
                .flatMap(rows -> owns(id).map(owned -> {
                    if (!owned) {
                        throw notFound();
                    }
                    List<Delivery> deliveries = new ArrayList<>();
                    for (Row row : rows) {
                        deliveries.add(new Delivery(row.getLong("id"), row.getString("event_id"),
                                row.getString("status"), row.getInteger("attempts"), row.getInteger("last_status"),
                                row.getString("last_error"), row.getOffsetDateTime("created_at"),
                                row.getOffsetDateTime("delivered_at")));
                    }
                    return deliveries;
                }));
    }

    @POST
    @Path("/{id}/deliveries/{deliveryId}/redeliver")
    @Operation(summary = "Send a delivery again now (also one that was sent or dead-lettered)")
    public Uni<Response> redeliver(@PathParam("id") UUID id, @PathParam("deliveryId") long deliveryId) {
        return pool.preparedQuery("UPDATE webhook_delivery d SET status = 'pending', attempts = 0, "
                + "next_attempt_at = now(), give_up_at = greatest(d.give_up_at, now() + interval '1 hour'), "
                + "last_error = NULL FROM webhook_endpoint e WHERE d.id = $1 AND d.endpoint_id = e.id AND e.id = $2 "
                + "AND e.merchant_id = $3 AND e.active")
                .execute(Tuple.of(deliveryId, id, merchant()))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw notFound();
                    }
                    return Response.accepted().build();
                });
    }

    private Uni<Boolean> owns(UUID id) {
        return pool.preparedQuery("SELECT 1 FROM webhook_endpoint WHERE id = $1 AND merchant_id = $2")
                .execute(Tuple.of(id, merchant())).map(rows -> rows.size() == 1);
    }

    private String merchant() {
        return MerchantCaller.of(identity);
    }

    private static ProblemException notFound() {
        return new ProblemException(404, ProblemCodes.NOT_FOUND, "Not found", "No such webhook or delivery.");
    }
}
