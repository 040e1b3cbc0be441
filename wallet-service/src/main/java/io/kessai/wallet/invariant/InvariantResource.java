package io.kessai.wallet.invariant;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.smallrye.mutiny.Uni;

/** Lets ops run the ledger's invariant check now instead of waiting for the schedule. */
@Path("/v1/ops/ledger/invariants")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
@Produces(MediaType.APPLICATION_JSON)
public class InvariantResource {

    @Inject
    LedgerInvariants invariants;

    @GET
    @Operation(summary = "Check every ledger invariant over one snapshot; ok is false and discrepancies are listed "
            + "when any fails")
    public Uni<LedgerInvariants.Report> check() {
        return invariants.check();
    }
}
