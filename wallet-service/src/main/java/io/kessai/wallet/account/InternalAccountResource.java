package io.kessai.wallet.account;

import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.OpsAccess;
import io.kessai.common.security.Scopes;
import io.kessai.wallet.WalletConfig;
import io.kessai.wallet.history.History;
import io.kessai.wallet.ledger.LedgerProblem;
import io.quarkus.security.PermissionsAllowed;
import io.smallrye.mutiny.Uni;

/**
 * Accounts for the other services and ops: open (idempotent), look up, read history, freeze, unfreeze, close. Each
 * call needs its scope (or, for reads and freezes, role ops); see docs/security.md, "Service clients and their scopes".
 */
@Path("/v1/internal/accounts")
@Tag(name = "internal")
@Produces(MediaType.APPLICATION_JSON)
public class InternalAccountResource {

    private static final String OWNER_ID = "[A-Za-z0-9._:@-]{1,100}";

    @Inject
    Accounts accounts;

    @Inject
    History history;

    @Inject
    WalletConfig config;

    @POST
    @Path("/customers")
    @PermissionsAllowed(Scopes.WALLET_CUSTOMERS_OPEN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open a customer's wallet: 201 when opened, 200 with the same account when it already was")
    public Uni<Response> openCustomer(@Valid @NotNull OpenAccountRequest.Customer request) {
        return accounts.open(AccountKind.CUSTOMER, request.userId(), currencyOf(request.currency()), 1)
                .map(InternalAccountResource::opened);
    }

    @POST
    @Path("/merchants")
    @PermissionsAllowed(Scopes.WALLET_MERCHANTS_OPEN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open a merchant's account (credits spread over its sub-accounts): 201, or 200 if open")
    public Uni<Response> openMerchant(@Valid @NotNull OpenAccountRequest.Merchant request) {
        int subAccounts = request.subAccounts() == null ? config.merchantSubAccounts() : request.subAccounts();
        return accounts.open(AccountKind.MERCHANT, request.merchantId(), currencyOf(request.currency()), subAccounts)
                .map(InternalAccountResource::opened);
    }

    @GET
    @Path("/customers/{userId}")
    @PermissionsAllowed({Scopes.WALLET_ACCOUNTS_READ, OpsAccess.READ})
    @Operation(summary = "A customer's accounts (one per currency)")
    public Uni<List<AccountView>> customer(@PathParam("userId") @Pattern(regexp = OWNER_ID) String userId) {
        return accounts.byOwner(AccountKind.CUSTOMER, userId);
    }

    @GET
    @Path("/merchants/{merchantId}")
    @PermissionsAllowed({Scopes.WALLET_ACCOUNTS_READ, OpsAccess.READ})
    @Operation(summary = "A merchant's accounts (one per currency)")
    public Uni<List<AccountView>> merchant(@PathParam("merchantId") @Pattern(regexp = OWNER_ID) String merchantId) {
        return accounts.byOwner(AccountKind.MERCHANT, merchantId);
    }

    @GET
    @Path("/system/{code}")
    @PermissionsAllowed({Scopes.WALLET_ACCOUNTS_READ, OpsAccess.READ})
    @Operation(summary = "A system account by code: funding-clearing, fees, payout-clearing or suspense")
    public Uni<AccountView> system(@PathParam("code") @Pattern(regexp = OWNER_ID) String code) {
        return accounts.byOwner(AccountKind.SYSTEM, code).map(found -> found.stream().findFirst()
                .orElseThrow(() -> LedgerProblem.ACCOUNT_NOT_FOUND.exception("No system account " + code + ".")));
    }

    @GET
    @Path("/{id}")
    @PermissionsAllowed({Scopes.WALLET_ACCOUNTS_READ, OpsAccess.READ})
    @Operation(summary = "An account with its ledger, held and available balances")
    public Uni<AccountView> byId(@PathParam("id") UUID id) {
        return accounts.byId(id).map(account -> found(account, id));
    }

    @GET
    @Path("/{id}/entries")
    @PermissionsAllowed({Scopes.WALLET_ACCOUNTS_READ, OpsAccess.READ})
    @Operation(summary = "An account's entries, newest first, filtered by time and kind, a page at a time")
    public Uni<History.Page> entries(@PathParam("id") UUID id, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("kind") List<String> kinds,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return accounts.byId(id).flatMap(account -> history.page(found(account, id),
                new History.Query(from, to, kinds, limit, cursor)));
    }

    @POST
    @Path("/{id}/freeze")
    @PermissionsAllowed(OpsAccess.FREEZE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Freeze an account: nothing can be debited; only refunds and reversals can be credited")
    public Uni<AccountView> freeze(@PathParam("id") UUID id, @Valid OpenAccountRequest.StatusChange change) {
        return accounts.changeStatus(id, "frozen", reasonOf(change));
    }

    @POST
    @Path("/{id}/unfreeze")
    @PermissionsAllowed(OpsAccess.FREEZE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Make a frozen account active again")
    public Uni<AccountView> unfreeze(@PathParam("id") UUID id, @Valid OpenAccountRequest.StatusChange change) {
        return accounts.changeStatus(id, "active", reasonOf(change));
    }

    @POST
    @Path("/{id}/close")
    @PermissionsAllowed(OpsAccess.FREEZE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Close an empty account for good")
    public Uni<AccountView> close(@PathParam("id") UUID id, @Valid OpenAccountRequest.StatusChange change) {
        return accounts.changeStatus(id, "closed", reasonOf(change));
    }

    @POST
    @Path("/customers/{userId}/freeze")
    @PermissionsAllowed({Scopes.WALLET_CUSTOMERS_FREEZE, OpsAccess.FREEZE})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Freeze every account of a customer (auth-service calls this when ops freezes a user)")
    public Uni<List<AccountView>> freezeCustomer(@PathParam("userId") @Pattern(regexp = OWNER_ID) String userId,
            @Valid OpenAccountRequest.StatusChange change) {
        return accounts.changeOwnerStatus(AccountKind.CUSTOMER, userId, "frozen", reasonOf(change));
    }

    @POST
    @Path("/customers/{userId}/unfreeze")
    @PermissionsAllowed({Scopes.WALLET_CUSTOMERS_FREEZE, OpsAccess.FREEZE})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Unfreeze every account of a customer")
    public Uni<List<AccountView>> unfreezeCustomer(@PathParam("userId") @Pattern(regexp = OWNER_ID) String userId,
            @Valid OpenAccountRequest.StatusChange change) {
        return accounts.changeOwnerStatus(AccountKind.CUSTOMER, userId, "active", reasonOf(change));
    }

    @POST
    @Path("/merchants/{merchantId}/freeze")
    @PermissionsAllowed({Scopes.WALLET_MERCHANTS_FREEZE, OpsAccess.FREEZE})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Freeze a merchant's account (payment-service calls this when ops freezes a merchant): it "
            + "takes no more payments, and refunds and reversals still pay customers back from it")
    public Uni<List<AccountView>> freezeMerchant(
            @PathParam("merchantId") @Pattern(regexp = OWNER_ID) String merchantId,
            @Valid OpenAccountRequest.StatusChange change) {
        return accounts.changeOwnerStatus(AccountKind.MERCHANT, merchantId, "frozen", reasonOf(change));
    }

    @POST
    @Path("/merchants/{merchantId}/unfreeze")
    @PermissionsAllowed({Scopes.WALLET_MERCHANTS_FREEZE, OpsAccess.FREEZE})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Unfreeze a merchant's account")
    public Uni<List<AccountView>> unfreezeMerchant(
            @PathParam("merchantId") @Pattern(regexp = OWNER_ID) String merchantId,
            @Valid OpenAccountRequest.StatusChange change) {
        return accounts.changeOwnerStatus(AccountKind.MERCHANT, merchantId, "active", reasonOf(change));
    }

    private static String currencyOf(String requested) {
        return requested == null ? "JPY" : requested;
    }

    private static String reasonOf(OpenAccountRequest.StatusChange change) {
        return change == null ? null : change.reason();
    }

    static AccountView found(AccountView account, UUID id) {
        if (account == null) {
            throw LedgerProblem.ACCOUNT_NOT_FOUND.exception("No account " + id + ".");
        }
        return account;
    }

    private static Response opened(Accounts.Opened opened) {
        return Response.status(opened.created() ? Response.Status.CREATED : Response.Status.OK)
                .entity(opened.account()).build();
    }
}
