package io.kessai.payment.ledger;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/** wallet-service's internal API, as far as payments use it (docs/ledger.md, "Internal"). */
@Path("/v1/internal")
@Produces(MediaType.APPLICATION_JSON)
public interface WalletApi {

    @POST
    @Path("/transfers")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> transfer(@HeaderParam("Authorization") String authorization,
            @HeaderParam("Idempotency-Key") String key, JsonObject transfer);

    @POST
    @Path("/transfers/batch")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> transferBatch(@HeaderParam("Authorization") String authorization, JsonObject batch);

    @POST
    @Path("/transfers/{id}/reversals")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> reverse(@HeaderParam("Authorization") String authorization,
            @HeaderParam("Idempotency-Key") String key, @PathParam("id") String transferId, JsonObject reversal);

    @GET
    @Path("/transfers")
    Uni<Response> transferByKey(@HeaderParam("Authorization") String authorization,
            @jakarta.ws.rs.QueryParam("idempotencyKey") String key);

    @GET
    @Path("/accounts/customers/{userId}")
    Uni<Response> customerAccounts(@HeaderParam("Authorization") String authorization,
            @PathParam("userId") String userId);

    @GET
    @Path("/accounts/system/{code}")
    Uni<Response> systemAccount(@HeaderParam("Authorization") String authorization, @PathParam("code") String code);

    @GET
    @Path("/accounts/merchants/{merchantId}")
    Uni<Response> merchantAccounts(@HeaderParam("Authorization") String authorization,
            @PathParam("merchantId") String merchantId);
}
