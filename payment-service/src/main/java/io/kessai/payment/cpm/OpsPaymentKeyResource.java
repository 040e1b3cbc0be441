package io.kessai.payment.cpm;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Ops revoke any payment key at once (a lost phone reported by phone, fraud). */
@Path("/v1/ops/payment-keys")
@Tag(name = "ops")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class OpsPaymentKeyResource {

    @Inject
    PaymentKeys keys;

    @Inject
    SecurityIdentity identity;

    @POST
    @Path("/{id}/revocation")
    @Operation(summary = "Revoke a payment key (idempotent); its codes are refused from now on")
    public Uni<PaymentKeyView> revoke(@PathParam("id") UUID id) {
        return keys.revokeByOps(id, identity.getPrincipal().getName());
    }
}
