package io.kessai.payment.settlement;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.kessai.payment.merchant.Merchants;
import io.kessai.payment.risk.Actors;
import io.kessai.payment.risk.Rules;
import io.kessai.payment.security.Callers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** A merchant owner's bank account and payouts. Another owner's merchant answers 404. */
@Path("/v1/merchants/{merchantId}")
@Tag(name = "merchant settlement")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class PayoutResource {

    /** Payouts listed at most. */
    static final int PAGE = 100;

    @Inject
    BankAccounts accounts;

    @Inject
    Payouts payouts;

    @Inject
    Merchants merchants;

    @Inject
    Callers callers;

    @Inject
    Actors actors;

    @Inject
    SecurityIdentity identity;

    @PUT
    @Path("/bank-account")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register or replace the bank account payouts go to (from the next payout made); needs a "
            + "step-up token (403 step-up-required without one)")
    public Uni<BankAccounts.BankAccount> register(@PathParam("merchantId") UUID merchantId,
            @NotNull @Valid BankAccounts.Registration registration) {
        String owner = callers.owner();
        // Where the merchant's money goes is what a taken-over owner account would change first: a fresh second
        // factor, as for a customer's card.
        if (!actors.of(identity).steppedUp()) {
            throw new ProblemException(403, Rules.STEP_UP_REQUIRED, "Step-up required", "Registering or changing "
                    + "the payout bank account needs a step-up token (POST /v1/step-up at auth-service) at most "
                    + actors.stepUpMaxAge().toMinutes() + " min old; send the same request with it.");
        }
        return merchants.ofOwner(owner, merchantId)
                .flatMap(merchant -> accounts.register(owner, merchantId, registration));
    }

    @GET
    @Path("/bank-account")
    @Operation(summary = "The registered bank account; 404 bank-account-not-found when there is none")
    public Uni<BankAccounts.BankAccount> account(@PathParam("merchantId") UUID merchantId) {
        return merchants.ofOwner(callers.owner(), merchantId).flatMap(merchant -> accounts.of(merchantId));
    }

    @GET
    @Path("/payouts")
    @Operation(summary = "The merchant's payouts, newest business day first (the last 100)")
    public Uni<List<Payouts.Payout>> payouts(@PathParam("merchantId") UUID merchantId) {
        return merchants.ofOwner(callers.owner(), merchantId).flatMap(merchant -> payouts.ofMerchant(merchantId,
                PAGE));
    }
}
