package io.kessai.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** auth-service settings; every one is documented in auth-service/README.md. */
@ConfigMapping(prefix = "kessai.auth")
public interface AuthConfig {

    /** The issuer (iss) written into tokens and published in discovery: the public base URL of this service. */
    String issuer();

    /** Audience (aud) of every access token; resource servers require it. */
    @WithDefault("kessai")
    String audience();

    /** Lifetime of an access token. */
    @WithDefault("5M")
    Duration accessTokenLifetime();

    /**
     * Folder holding the RSA signing keys as JWK files (see {@link Keys} for which signs and which are published).
     * Several replicas must share it, e.g. a mounted volume or Kubernetes Secret.
     */
    @WithDefault("data/signing-keys")
    Path signingKeyDir();

    /** Create a signing key at start when the folder has none (on for single-node and local runs). */
    @WithDefault("true")
    boolean generateSigningKey();

    /** Password hashing (Argon2id); see auth-service/README.md. */
    Password password();

    interface Password {

        /** Argon2id memory cost in KiB (OWASP's minimum is 19 MiB). */
        @WithDefault("19456")
        int memoryKib();

        /** Argon2id passes over memory. */
        @WithDefault("2")
        int iterations();

        @WithDefault("1")
        int parallelism();

        /** Threads that hash passwords: the bulkhead that keeps a login storm from taking every core. */
        @WithDefault("2")
        int workers();

        /**
         * Hashes that may wait for a worker; beyond that a login is answered 503 at once. At about 25 sign-ins/s per
         * two cores, 16 waiting is well under a second of queue; a longer queue only makes callers wait for a 503
         * anyway (docs/benchmarks.md).
         */
        @WithDefault("16")
        int queue();
    }

    /** One-time codes sent by SMS; see auth-service/README.md. */
    Otp otp();

    interface Otp {

        /** How long a code is valid (at most 5 minutes, per the threat model). */
        @WithDefault("5M")
        Duration lifetime();

        /** Wrong codes a challenge survives; the next wrong one ends it. */
        @WithDefault("5")
        int maxAttempts();

        /** Least time between two codes for the same purpose to one number. */
        @WithDefault("30S")
        Duration resendInterval();

        /** Most codes to one number per hour. */
        @WithDefault("5")
        int maxPerHour();

        /**
         * File holding the key that codes are hashed with (HMAC-SHA-256). Six digits are a million possibilities, so
         * a plain hash would fall to a table in seconds if the database leaked; the key lives apart from it. Replicas
         * must share it, like the signing keys.
         */
        @WithDefault("data/otp-pepper")
        Path pepperFile();

        /** Create the key file at start when it is missing (off with replicas, so a missing mount fails the start). */
        @WithDefault("true")
        boolean generatePepper();
    }

    /** Where a request's client address comes from, for every limit and the audit log; see docs/security.md. */
    ClientAddresses clientAddress();

    interface ClientAddresses {

        /**
         * The proxies in front of auth-service, as addresses or CIDR ranges (IPv4 and IPv6). Only a request whose peer
         * is one of them has its forwarding header read, and only the entries those proxies appended: walking from
         * the right, the first address that is not a trusted proxy is the client. None by default: the header is
         * ignored and the peer is the client, because any client can write the header.
         */
        Optional<List<String>> trustedProxies();

        /** The header the trusted proxies append to; the other one is never read, since a client may forge it. */
        @WithDefault("x-forwarded-for")
        ForwardedHeader header();

        enum ForwardedHeader {
            /** {@code X-Forwarded-For: client, proxy1, proxy2} (nginx, Envoy, every cloud load balancer). */
            X_FORWARDED_FOR,
            /** {@code Forwarded: for=client, for=proxy1} (RFC 7239). */
            FORWARDED
        }
    }

    /** Limits per client address, shared by all replicas; see auth-service/README.md. */
    Throttle throttle();

    interface Throttle {

        /** Registrations started from one address at once (each sends an SMS, which costs money). */
        @WithDefault("10")
        int registrationsPerAddress();

        /** One more registration per address after this long (10 an hour). */
        @WithDefault("6M")
        Duration registrationRefill();

        /** Code confirmations from one address at once (guessing codes across many challenges). */
        @WithDefault("30")
        int confirmationsPerAddress();

        @WithDefault("10S")
        Duration confirmationRefill();

        /** Sign-ins from one address at once (credential stuffing: one address, many accounts). */
        @WithDefault("20")
        int loginsPerAddress();

        /** One more sign-in per address after this long (360 an hour). */
        @WithDefault("10S")
        Duration loginRefill();

        /** Password-reset requests from one address at once (each may send an SMS). */
        @WithDefault("5")
        int resetsPerAddress();

        @WithDefault("6M")
        Duration resetRefill();

        /**
         * Authenticator-app and recovery-code tries per account at once, across every sign-in and step-up (a thief
         * who has the password can open new sign-in challenges, but not new tries at the second factor).
         */
        @WithDefault("10")
        int secondFactorTriesPerAccount();

        /** One more second-factor try per account after this long (20 an hour). */
        @WithDefault("3M")
        Duration secondFactorRefill();

        /**
         * How much of an IPv6 client address a per-address limit counts: the /64 by default, the smallest network a
         * customer is given (a home line, a phone, a cloud machine), so that one who picks a new address in its own
         * network for each request still meets one bucket.
         */
        @WithDefault("64")
        int ipv6PrefixLength();

        /**
         * Wrong client secrets at the token endpoint for one configured client at once, from any address: a secret
         * cannot be guessed from many addresses. Once spent, the client is refused (429) even with the right secret
         * until a try refills, or a 429 would tell a guess from the secret.
         */
        @WithDefault("10")
        int clientSecretFailuresPerClient();

        /** Wrong client secrets (or unknown client ids) at the token endpoint from one address at once. */
        @WithDefault("20")
        int clientSecretFailuresPerAddress();

        /** One more wrong client secret per client and per address after this long (60 an hour). */
        @WithDefault("1M")
        Duration clientSecretRefill();

        /**
         * Phone numbers one service client may resolve for transfers at once (payment-service limits each sender
         * itself; this bounds what a stolen client token could enumerate).
         */
        @WithDefault("300")
        int resolvesPerClient();

        /** One more resolve per client after this long (20 a second). */
        @WithDefault("50MS")
        Duration resolveRefill();
    }

    /** Per-account lockout after consecutive wrong passwords; see docs/security.md. */
    Lockout lockout();

    interface Lockout {

        /** Consecutive failures that cost nothing (typos). */
        @WithDefault("5")
        int freeFailures();

        /** The lock after the first failure past the free ones; each further failure doubles it. */
        @WithDefault("1M")
        Duration firstLock();

        /** The longest lock. */
        @WithDefault("1H")
        Duration maxLock();

        /** After this many consecutive failures (at most 100) only a password reset opens the account again. */
        @WithDefault("100")
        int hardLimit();
    }

    /** Sign-in sessions, devices and refresh tokens; see docs/security.md. */
    Session session();

    interface Session {

        /** How long a device, once bound by a second factor, signs in with the password alone. */
        @WithDefault("90D")
        Duration deviceBinding();

        /** How long a sign-in waits for its second factor. */
        @WithDefault("5M")
        Duration challengeLifetime();

        /** Wrong second-factor codes one sign-in challenge survives. */
        @WithDefault("5")
        int challengeAttempts();

        /** How long a refresh-token family lives from its sign-in; every refresh rotates the token within it. */
        @WithDefault("30D")
        Duration refreshLifetime();

        /** Lifetime of a step-up token, and how recent its second factor must be for risky actions. */
        @WithDefault("5M")
        Duration stepUpLifetime();
    }

    /**
     * Operators: user ids (comma-separated) of the people whose sign-ins carry role {@code ops} beside
     * {@code customer}. They read and freeze like the ops console, and alone may make the ops actions that move money,
     * each after a step-up (docs/security.md, "Ops moves money only by an operator's step-up"). Empty by default.
     */
    Optional<Set<String>> operators();

    /** Device keys and their DPoP proofs (RFC 9449); see docs/security.md, "Devices prove possession". */
    DeviceProof deviceProof();

    interface DeviceProof {

        /**
         * How long a nonce this server issued ({@code DPoP-Nonce}) is accepted in a proof, and so how old a proof may
         * be; each proof is accepted once.
         */
        @WithDefault("5M")
        Duration nonceLifetime();
    }

    /** Service clients allowed the client-credentials grant, by client id. */
    Map<String, ServiceClient> serviceClients();

    interface ServiceClient {

        /** The client secret; comes from a Kubernetes Secret or the local stack's generated secrets, never the repo. */
        String secret();

        /** Roles (groups) its tokens carry: {@code service} for a service, {@code ops} alone for an ops tool. */
        @WithDefault("service")
        Set<String> roles();

        /**
         * Scopes its tokens carry (docs/security.md, "Service clients and their scopes"). Unset, a known service
         * client gets what its calls need ({@code io.kessai.common.security.Scopes}) and any other client none. Only
         * clients with role {@code service} may hold scopes, and only scopes that exist.
         */
        Optional<Set<String>> scopes();
    }

    /** Till credentials that merchant owners make; see auth-service/README.md, "Merchants, stores and tills". */
    Tills tills();

    interface Tills {

        /**
         * Working (unrevoked) till credentials one merchant may have at once: a stolen owner session cannot mint an
         * unbounded number of them, and a mistake in an owner's tooling stops early.
         */
        @WithDefault("100")
        int maxPerMerchant();
    }

    /** Signing-key rotation; see the signing keys in docs/operations.md. */
    Keys keys();

    interface Keys {

        /** When the newest key is older than this, a replica writes a new one. */
        @WithDefault("30D")
        Duration rotateEvery();

        /**
         * A new key is published at once but signs only once it is this old, so that every replica publishes it and
         * every resource server has fetched it first. Must exceed the JWKS cache max-age (5 min) plus the reload
         * interval.
         */
        @WithDefault("10M")
        Duration publishLead();

        /** How often each replica re-reads the key folder (keys another replica or an operator wrote or deleted). */
        @WithDefault("1M")
        Duration reloadInterval();
    }
}
