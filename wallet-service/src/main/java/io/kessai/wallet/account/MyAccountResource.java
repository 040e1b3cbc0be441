package io.kessai.wallet.account;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.wallet.history.History;
import io.kessai.wallet.ledger.LedgerProblem;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * The signed-in customer's wallet or merchant's accounts. The owner comes from the token's subject, never from the
 * request, and someone else's account id answers 404 exactly like one that does not exist.
 */
@Path("/v1/accounts")
@Tag(name = "accounts")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.CUSTOMER, Roles.MERCHANT})
public class MyAccountResource {

    @Inject
    Accounts accounts;

    @Inject
    History history;

    @Inject
    SecurityIdentity identity;

    @GET
    @Operation(summary = "My accounts with their balances")
    public Uni<List<AccountView>> mine() {
        return accounts.byOwner(ownerKind(), identity.getPrincipal().getName());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One of my accounts with its ledger, held and available balances")
    public Uni<AccountView> one(@PathParam("id") UUID id) {
        return accounts.byId(id).map(account -> mine(account, id));
    }

    @GET
    @Path("/{id}/entries")
    @Operation(summary = "My account's history, newest first, filtered by time (from inclusive, to exclusive) and kind")
    public Uni<History.Page> entries(@PathParam("id") UUID id, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("kind") List<String> kinds,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return accounts.byId(id).flatMap(account -> history.page(mine(account, id),
                new History.Query(from, to, kinds, limit, cursor)));
    }

    private AccountKind ownerKind() {
        return identity.hasRole(Roles.CUSTOMER) ? AccountKind.CUSTOMER : AccountKind.MERCHANT;
    }

    private AccountView mine(AccountView account, UUID id) {
        if (account == null || !account.kind().equals(ownerKind().wire())
                || !account.ownerId().equals(identity.getPrincipal().getName())) {
            throw LedgerProblem.ACCOUNT_NOT_FOUND.exception("No account " + id + ".");
        }
        return account;
    }
}
