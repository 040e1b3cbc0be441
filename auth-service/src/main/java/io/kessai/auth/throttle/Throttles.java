package io.kessai.auth.throttle;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.security.ClientAddress;
import io.smallrye.mutiny.Uni;

/**
 * The named limits of auth-service, each a {@link TokenBuckets} bucket sized by {@code kessai.auth.throttle.*}: per
 * client address for what anyone can call, per account for second-factor tries. Each answers 429
 * {@code too-many-requests} with Retry-After when its bucket is empty. Addresses are those {@link ClientAddress}
 * gives; an IPv6 address counts by its network ({@code ipv6-prefix-length}).
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

    /** Authenticator and recovery-code tries of one account, across sign-ins, step-ups and resets. */
    public Uni<Void> secondFactor(UUID userId) {
        return buckets.take(new TokenBuckets.Limit("second-factor", limits.secondFactorTriesPerAccount(),
                limits.secondFactorRefill()), userId.toString());
    }

    private String perAddress(String address) {
        return ClientAddress.limitSubject(address, limits.ipv6PrefixLength());
    }
}
