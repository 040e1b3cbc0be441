package io.kessai.payment.freeze;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
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

/** Ops freeze a card (reported stolen, seen in fraud): no top-up charges it until they unfreeze it. */
@Path("/v1/ops/cards/{id}")
@Tag(name = "ops")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class OpsCardResource {

    @Inject
    FrozenSubjects subjects;

    @Inject
    SecurityIdentity identity;

    @POST
    @Path("/freeze")
    @Operation(summary = "Freeze a card (idempotent): every top-up with it is refused, 403 card-frozen")
    public Uni<FrozenSubjectView> freeze(@PathParam("id") UUID id,
            @Valid @NotNull InternalSubjectResource.Change change) {
        return subjects.freezeCard(id, change.reason(), identity.getPrincipal().getName());
    }

    @POST
    @Path("/unfreeze")
    @Operation(summary = "Unfreeze a card (idempotent)")
    public Uni<FrozenSubjectView> unfreeze(@PathParam("id") UUID id,
            @Valid @NotNull InternalSubjectResource.Change change) {
        return subjects.unfreezeCard(id, identity.getPrincipal().getName());
    }
}
