package io.kessai.auth.ops;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.smallrye.mutiny.Uni;

/** Ops: the security audit log, newest first, a page at a time. Only tokens with role {@code ops}. */
@Path("/v1/ops/audit")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
@Produces(MediaType.APPLICATION_JSON)
public class OpsAuditResource {

    @Inject
    AuditSearch search;

    @GET
    @Operation(summary = "Audit events newest first; at least one of userId, phone, deviceId, address or type is "
            + "required; limit 1-200 (default 50); follow nextCursor for older events")
    public Uni<OpsViews.AuditPage> events(@QueryParam("userId") String userId,
            @Parameter(description = "in any form a customer types it") @QueryParam("phone") String phone,
            @QueryParam("deviceId") String deviceId,
            @Parameter(description = "the client address, e.g. 203.0.113.7") @QueryParam("address") String address,
            @Parameter(description = "e.g. login, user-freeze, refresh-token-reuse") @QueryParam("type") String type,
            @Parameter(description = "success, failure or refused") @QueryParam("outcome") String outcome,
            @Parameter(description = "ISO-8601 with offset, inclusive") @QueryParam("from") String from,
            @Parameter(description = "ISO-8601 with offset, exclusive") @QueryParam("to") String to,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return search.search(new AuditSearch.Query(userId, phone, deviceId, address, type, outcome, from, to, limit,
                cursor));
    }
}
