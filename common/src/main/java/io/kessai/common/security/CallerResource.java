package io.kessai.common.security;

import java.util.Set;
import java.util.TreeSet;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.NonBlocking;

/**
 * Shows a service-to-service caller how this service sees its token: the first thing to check when an internal
 * call is refused. Present in every service that validates Kessai tokens.
 */
@Path("/v1/internal/whoami")
@Tag(name = "internal")
@NonBlocking
@IfBuildProperty(name = "kessai.caller-endpoint.enabled", stringValue = "true", enableIfMissing = true)
public class CallerResource {

    @Inject
    SecurityIdentity identity;

    @GET
    @RolesAllowed(Roles.SERVICE)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The authenticated service caller: subject and roles")
    public Caller whoami() {
        return new Caller(identity.getPrincipal().getName(), new TreeSet<>(identity.getRoles()));
    }

    public record Caller(String subject, Set<String> roles) {
    }
}
