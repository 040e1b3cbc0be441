package io.kessai.auth.ops;

import java.io.IOException;
import java.time.Instant;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jose4j.lang.JoseException;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.security.ClientAddress;
import io.kessai.auth.token.SigningKeys;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.mutiny.core.Vertx;

/**
 * Ops: rotate the signing key now (a suspected leak, or before the scheduled rotation). The new key is published at
 * once and signs from {@code kessai.auth.keys.publish-lead} on; the old one keeps verifying until its tokens expire.
 * To cut a leaked key off at once, delete its file instead (docs/operations.md, Rotating signing keys).
 */
@Path("/v1/ops/signing-keys")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
@Produces(MediaType.APPLICATION_JSON)
public class OpsSigningKeyResource {

    public record Rotated(String kid, String signsFrom) {
    }

    @Inject
    SigningKeys keys;

    @Inject
    AuditLog audit;

    @Inject
    AuthConfig config;

    @Inject
    SecurityIdentity identity;

    @Inject
    Vertx vertx;

    @Context
    HttpServerRequest http;

    @Inject
    ClientAddress clientAddress;

    @POST
    @Path("/rotate")
    @Operation(summary = "Write a new signing key: published now, signing after the publish lead")
    public Uni<Response> rotate() {
        String actor = identity.getPrincipal().getName();
        String address = clientAddress.of(http);
        // Writing the key file is blocking IO: it runs on a worker, and the request goes on on its own context.
        return vertx.executeBlocking(() -> {
            try {
                return keys.rotate();
            } catch (IOException | JoseException e) {
                throw ProblemException.unavailable("The signing-key folder cannot be written now: " + e.getMessage());
            }
        }).call(kid -> audit.record(AuditLog.Event.of(AuditLog.Type.SIGNING_KEY_ROTATION, AuditLog.Outcome.SUCCESS)
                .actor(actor).address(address).with("kid", kid)))
                .map(kid -> Response.status(201)
                        .entity(new Rotated(kid, Instant.now().plus(config.keys().publishLead()).toString())).build());
    }
}
