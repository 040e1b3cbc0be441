package io.kessai.common.security;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * What an operator (role {@code ops}) may do on internal endpoints, as permissions next to the services' scopes, e.g.
 * {@code @PermissionsAllowed({Scopes.WALLET_ACCOUNTS_READ, OpsAccess.READ})}: read, and freeze or unfreeze. Ops holds
 * no service scope, so an ops token cannot move money, open accounts or send messages, whatever the endpoint.
 * Operators are people, so this follows their role rather than scopes in their token.
 */
@ApplicationScoped
public class OpsAccess implements SecurityIdentityAugmentor {

    /** Read accounts, history, transfers and holds, of every caller. */
    public static final String READ = "ops:read";
    /** Freeze, unfreeze and close accounts. No money moves. */
    public static final String FREEZE = "ops:freeze";

    private static final Set<String> GRANTED = Set.of(READ, FREEZE);

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !identity.hasRole(Roles.OPS)) {
            return Uni.createFrom().item(identity);
        }
        QuarkusSecurityIdentity.Builder augmented = QuarkusSecurityIdentity.builder(identity)
                .addPermissionsAsString(GRANTED);
        if (identity instanceof QuarkusSecurityIdentity verified) {
            // Listed as well as delegated to, so that whoever copies this identity's permissions copies them all.
            augmented.addPermissions(verified.getPermissions());
        }
        return Uni.createFrom().item(augmented.build());
    }
}
