package io.kessai.auth.throttle;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.security.ClientAddress;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * The named limits of auth-service, each a {@link TokenBuckets} bucket sized by {@code kessai.auth.throttle.*}: per
 * client address for what anyone can call, per account for second-factor tries, per service client for wrong secrets.
 * Each answers 429 {@code too-many-requests} with Retry-After when its bucket is empty. Addresses are those
 * {@link ClientAddress} gives; an IPv6 address counts by its network ({@code ipv6-prefix-length}).
 */
@ApplicationScoped
public class Throttles {

    private final TokenBuckets buckets;
    private final AuthConfig.Throttle limits;

    Throttles(TokenBuckets buckets, AuthConfig config) {
        this.buckets = buckets;
        this.limits = config.throttle();
    }

    /** Registrations started from one address (each sends an SMS). */
    public Uni<Void> registration(String address) {
        return buckets.take(new TokenBuckets.Limit("register", limits.registrationsPerAddress(),
                limits.registrationRefill()), perAddress(address));
    }

    /** Sign-ins from one address (credential stuffing: one address, many accounts). */
    public Uni<Void> login(String address) {
        return buckets.take(new TokenBuckets.Limit("login", limits.loginsPerAddress(), limits.loginRefill()),
                perAddress(address));
    }

    /** Password-reset requests from one address. */
    public Uni<Void> reset(String address) {
        return buckets.take(new TokenBuckets.Limit("reset", limits.resetsPerAddress(), limits.resetRefill()),
                perAddress(address));
    }

    /** Codes submitted from one address: registration, sign-in challenge, reset and email confirmations. */
    public Uni<Void> codeSubmission(String address) {
        return buckets.take(new TokenBuckets.Limit("confirm", limits.confirmationsPerAddress(),
                limits.confirmationRefill()), perAddress(address));
    }

    /**
     * A try at a client secret at the token endpoint, taken before the secret is checked so that parallel guesses
     * cannot slip past the count: from the address's bucket, and from the client's when {@code configuredClient} is
     * one (null for an unknown id: a bucket per made-up id would stop nothing, and client ids are no secret). A
     * refused try takes nothing. Give it back with {@link #clientSecretAccepted} when the secret was right.
     */
    public Uni<Void> clientSecretTry(String configuredClient, String address) {
        Uni<Void> fromAddress = buckets.take(clientSecretsPerAddress(), perAddress(address));
        if (configuredClient == null) {
            return fromAddress;
        }
        return fromAddress.flatMap(taken -> buckets.take(clientSecretsPerClient(), configuredClient)
                .onFailure(ProblemException.class)
                .call(refused -> buckets.giveBack(clientSecretsPerAddress(), perAddress(address))));
    }

    /** The secret was right: the try is given back, so only failures ever count. */
    public Uni<Void> clientSecretAccepted(String configuredClient, String address) {
        return buckets.giveBack(clientSecretsPerAddress(), perAddress(address))
                .flatMap(given -> buckets.giveBack(clientSecretsPerClient(), configuredClient));
    }

    /** Authenticator and recovery-code tries of one account, across sign-ins, step-ups and resets. */
    public Uni<Void> secondFactor(UUID userId) {
        return buckets.take(new TokenBuckets.Limit("second-factor", limits.secondFactorTriesPerAccount(),
                limits.secondFactorRefill()), userId.toString());
    }

    /** Phone numbers one service client resolves for transfers. */
    public Uni<Void> recipientResolve(String clientId) {
        return buckets.take(new TokenBuckets.Limit("resolve", limits.resolvesPerClient(), limits.resolveRefill()),
                clientId);
    }

    private TokenBuckets.Limit clientSecretsPerAddress() {
        return new TokenBuckets.Limit("client-secret", limits.clientSecretFailuresPerAddress(),
                limits.clientSecretRefill());
    }

    private TokenBuckets.Limit clientSecretsPerClient() {
        return new TokenBuckets.Limit("client-secret-client", limits.clientSecretFailuresPerClient(),
                limits.clientSecretRefill());
    }

    private String perAddress(String address) {
        return ClientAddress.limitSubject(address, limits.ipv6PrefixLength());
    }
}
