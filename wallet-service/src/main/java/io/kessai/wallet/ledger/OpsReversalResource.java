package io.kessai.wallet.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import io.kessai.common.security.OperatorStepUp;
import io.kessai.common.security.Roles;
import io.kessai.wallet.WalletConfig;
import io.kessai.wallet.ledger.ReversalRequest.LegAmount;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * The one ops action that moves money: a reversal of any caller's transfer, to make a victim whole. Only an operator
 * (a person with role ops) who has just stepped up may make it, it names its ticket, and it is recorded in
 * {@code ops_action} with the reversal. The ops console's client token never passes: it has no step-up.
 */
@Path("/v1/ops/transfers")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
@Produces(MediaType.APPLICATION_JSON)
public class OpsReversalResource {

    private static final Logger LOG = Logger.getLogger(OpsReversalResource.class);

    /** What to reverse, as for a service's reversal, and why: the ticket the victim's case is filed under. */
    @Schema(example = """
            {"amount": 12000, "reason": "SEC-1042: account taken over, payments to merchant 7 reversed"}""")
    public record Request(Long amount, @Size(min = 1) List<@NotNull @Valid LegAmount> legs,
            @NotBlank @Size(max = 500) @Pattern(regexp = "[^\\p{Cntrl}]*") String reason) {
    }

    @Inject
    Reversals reversals;

    @Inject
    SecurityIdentity identity;

    @Inject
    WalletConfig config;

    @ConfigProperty(name = "kessai.token.clock-skew", defaultValue = "30S")
    Duration clockSkew;

    @POST
    @Path("/{id}/reversals")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "An operator reverses any caller's transfer, fully or partly: needs an operator's step-up "
            + "token of the last 5 minutes and a reason; recorded with the operator and the ticket")
    public Uni<Response> reverse(@PathParam("id") UUID id, @HeaderParam("Idempotency-Key") String key,
            @Valid @NotNull Request request) {
        OperatorStepUp.Operator operator = OperatorStepUp.require(identity, config.ops().stepUpMaxAge(), clockSkew,
                Instant.now());
        ReversalRequest reversal = new ReversalRequest(request.amount(), request.legs(), null,
                Map.of("reason", request.reason(), "operator", operator.userId()));
        return reversals.reverseByOperator(new Reversals.ByOperator(operator, request.reason()), key, id, reversal)
                .invoke(outcome -> {
                    if (!outcome.replayed()) {
                        LOG.infof("Operator %s reversed %s with %s (%s)", operator.userId(), id,
                                outcome.transfer().id(), request.reason());
                    }
                })
                .map(TransferResource::created);
    }
}
