package io.kessai.auth.merchant;

import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.auth.Ids;
import io.kessai.auth.security.ClientAddress;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Scopes;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * payment-service tells auth-service which merchant an owner holds, in which state and with which stores. Scope
 * {@code auth:merchants.write} only, which auth-service grants to service clients alone.
 */
@Path("/v1/internal/merchants")
@Tag(name = "internal")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class InternalMerchantResource {

    @Inject
    MerchantHoldings holdings;

    @Inject
    SecurityIdentity identity;

    @Inject
    ClientAddress clientAddress;

    @Context
    HttpServerRequest http;

    @POST
    @Path("/{merchantId}")
    @PermissionsAllowed(Scopes.AUTH_MERCHANTS_WRITE)
    @Operation(summary = "Describe a merchant (owner, state, stores) at a version: 200 with what is held, which stays "
            + "as it was when the version is not newer (a replay or a late retry)")
    public Uni<MerchantHolding.Held> record(@PathParam("merchantId") String merchantId,
            @Valid @NotNull MerchantHolding holding) {
        return holdings.record(merchantId(merchantId), holding, identity.getPrincipal().getName(),
                clientAddress.of(http));
    }

    private static UUID merchantId(String text) {
        return Ids.uuid(text).orElseThrow(() -> ProblemException.invalidField("merchantId",
                "must be the merchant's id (a UUID)"));
    }
}
