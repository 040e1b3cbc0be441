package io.kessai.common.security;

import java.util.List;
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
import io.smallrye.mutiny.Uni;

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
    @Operation(summary = "The authenticated service caller: subject, roles, and the scopes its token carries")
    public Uni<Caller> whoami() {
        // Asked scope by scope, as every endpoint asks: what is listed is exactly what the endpoints will grant.
        List<Uni<String>> held = Scopes.KNOWN.stream()
                .map(scope -> identity.checkPermission(Scopes.permission(scope)).map(has -> has ? scope : ""))
                .toList();
        return Uni.join().all(held).andFailFast().map(scopes -> {
            Set<String> granted = new TreeSet<>(scopes);
            granted.remove("");
            return new Caller(identity.getPrincipal().getName(), new TreeSet<>(identity.getRoles()), granted);
        });
    }

    public record Caller(String subject, Set<String> roles, Set<String> scopes) {
    }
}
