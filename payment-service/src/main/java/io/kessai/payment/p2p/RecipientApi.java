package io.kessai.payment.p2p;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/** auth-service's resolving of phone numbers (auth-service/README.md, "Resolving recipients"). */
@Path("/v1/internal/users")
@Produces(MediaType.APPLICATION_JSON)
interface RecipientApi {

    /** The number in the body, never in the URL, so that no access log records it. */
    @POST
    @Path("/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> resolve(@HeaderParam("Authorization") String authorization, JsonObject request);
}
