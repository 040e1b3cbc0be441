package io.kessai.notification.stream;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.kessai.notification.MerchantCaller;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.NonBlocking;

/**
 * Real-time streams (SSE): a customer app receives its own events, a merchant till its own payments. Each event
 * carries an {@code id}; reconnecting with {@code Last-Event-ID} resumes after it. The audience comes from the token,
 * never from the request, so a client sees only its own events.
 */
@Path("/v1/streams")
@Tag(name = "streams")
@NonBlocking
public class StreamResource {

    @Inject
    StreamHub hub;

    @Inject
    SecurityIdentity identity;

    @GET
    @Path("/customer")
    @RolesAllowed(Roles.CUSTOMER)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The signed-in customer's events (receipts, refunds, top-ups, transfers received)")
    public void customer(@Context SseEventSink sink, @Context Sse sse,
            @HeaderParam("Last-Event-ID") String lastEventId) {
        open("user:" + identity.getPrincipal().getName(), sink, sse, lastEventId);
    }

    @GET
    @Path("/merchant")
    @RolesAllowed(Roles.MERCHANT)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The merchant's events, for its tills (payments, refunds, cancels): a till credential's "
            + "token, whose merchant_id claim names the merchant")
    public void merchant(@Context SseEventSink sink, @Context Sse sse,
            @HeaderParam("Last-Event-ID") String lastEventId) {
        open("merchant:" + MerchantCaller.of(identity), sink, sse, lastEventId);
    }

    private void open(String audience, SseEventSink sink, Sse sse, String lastEventId) {
        Long resumeAfter = parse(lastEventId);
        if (hub.closing()) {
            throw ProblemException.unavailable("This replica is shutting down; reconnect (with Last-Event-ID) in a "
                    + "moment and another one serves the stream.");
        }
        hub.open(new StreamClient(audience, sink, sse, 0), resumeAfter).subscribe().with(opened -> {
        }, failure -> sink.close());
    }

    private static Long parse(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return null;
        }
        try {
            long id = Long.parseLong(lastEventId.trim());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException notANumber) {
            // answered below
        }
        throw new ProblemException(400, "invalid-last-event-id", "Invalid Last-Event-ID",
                "Last-Event-ID must be the id of an event this stream sent (a non-negative integer).");
    }
}
