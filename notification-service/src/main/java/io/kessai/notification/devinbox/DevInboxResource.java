package io.kessai.notification.devinbox;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.smallrye.mutiny.Uni;

/** Reads the dev inbox; answers 404 wherever the inbox is not enabled (always in production). */
@Path("/v1/dev/inbox")
@Tag(name = "dev")
@Produces(MediaType.APPLICATION_JSON)
public class DevInboxResource {

    private final DevInbox inbox;

    DevInboxResource(DevInbox inbox) {
        this.inbox = inbox;
    }

    @GET
    @RolesAllowed({Roles.SERVICE, Roles.OPS})
    @Operation(summary = "Delivered SMS and mail, newest first (dev, test and local profiles only)")
    public Uni<List<DevInbox.Entry>> read(@QueryParam("recipient") String recipient,
            @QueryParam("limit") @DefaultValue("20") @Min(1) @Max(100) int limit) {
        if (!inbox.enabled()) {
            throw new ProblemException(404, ProblemCodes.NOT_FOUND, "Not found", "No such resource.");
        }
        return inbox.read(recipient, limit);
    }
}
