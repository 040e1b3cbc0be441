package io.kessai.auth.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kessai.auth.AccountType;
import io.kessai.auth.TestAuthConfig;
import io.vertx.core.json.JsonObject;

/** Operators are named by configuration, and only their sign-ins carry role ops. */
class AccessTokensTest {

    @TempDir
    Path keys;

    private static JsonObject claims(AccessTokens.IssuedToken token) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(token.value().split("\\.")[1]),
                StandardCharsets.UTF_8));
    }

    private static AccessTokens.IssuedToken signIn(AccessTokens tokens, UUID user) {
        return signIn(tokens, user, AccountType.CUSTOMER);
    }

    private static AccessTokens.IssuedToken signIn(AccessTokens tokens, UUID user, AccountType type) {
        return tokens.issueForUser(user, type, "device-0001", null, UUID.randomUUID(), List.of("pwd", "sms"),
                AccessTokens.ACR_STEP_UP, Instant.now(), Duration.ofMinutes(5));
    }

    @Test
    void aUsersTokenSaysWhenItsDeviceWasBoundAndATokenOfNoBoundDeviceSaysNothing() throws Exception {
        AccessTokens tokens = new AccessTokens(TestAuthConfig.operators(keys, Set.of()),
                new SigningKeys(TestAuthConfig.signingKeys(keys, true)));
        Instant bound = Instant.parse("2026-11-30T03:00:00Z");
        JsonObject claims = claims(tokens.issueForUser(UUID.randomUUID(), AccountType.CUSTOMER, "device-0001", bound,
                UUID.randomUUID(), List.of("pwd", "pop"), AccessTokens.ACR_SESSION, Instant.now(),
                Duration.ofMinutes(5)));
        assertEquals(bound.getEpochSecond(), claims.getLong(AccessTokens.DEVICE_BOUND_AT).longValue());
        assertEquals(false, claims(signIn(tokens, UUID.randomUUID())).containsKey(AccessTokens.DEVICE_BOUND_AT));
    }

    @Test
    void anOperatorsSignInCarriesRoleOpsAndAnyOtherUsersDoesNot() throws Exception {
        UUID operator = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        AccessTokens tokens = new AccessTokens(TestAuthConfig.operators(keys, Set.of(" " + operator + " ")),
                new SigningKeys(TestAuthConfig.signingKeys(keys, true)));
        assertEquals(Set.of("customer", "ops"), Set.copyOf(claims(signIn(tokens, operator)).getJsonArray("groups")
                .getList()));
        assertEquals(List.of("customer"), claims(signIn(tokens, customer)).getJsonArray("groups").getList());
    }

    @Test
    void aMerchantOwnersSignInCarriesRoleMerchantInsteadOfCustomerAndAnOperatorKeepsOps() throws Exception {
        UUID operator = UUID.randomUUID();
        UUID owner = UUID.randomUUID();
        AccessTokens tokens = new AccessTokens(TestAuthConfig.operators(keys, Set.of(operator.toString())),
                new SigningKeys(TestAuthConfig.signingKeys(keys, true)));
        assertEquals(List.of("merchant"), claims(signIn(tokens, owner, AccountType.MERCHANT)).getJsonArray("groups")
                .getList());
        assertEquals(Set.of("merchant", "ops"), Set.copyOf(claims(signIn(tokens, operator, AccountType.MERCHANT))
                .getJsonArray("groups").getList()));
    }

    @Test
    void anOperatorThatIsNoUserIdStopsTheStart() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> AccessTokens.operators(Set.of("+819012345678")));
        assertEquals("kessai.auth.operators: '+819012345678' is not a user id", refused.getMessage());
    }
}
