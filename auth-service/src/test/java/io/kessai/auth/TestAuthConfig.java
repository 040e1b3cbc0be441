package io.kessai.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.kessai.auth.AuthConfig.ServiceClient;

/** An {@link AuthConfig} for unit tests that build beans by hand; the parts a test does not give are refused. */
public final class TestAuthConfig {

    private TestAuthConfig() {
    }

    public static AuthConfig signingKeys(Path folder, boolean generate) {
        return of(folder, generate, keyDefaults(), null, Map.of());
    }

    /** Signing keys in {@code folder} (made if absent), and these user ids as operators. */
    public static AuthConfig operators(Path folder, Set<String> operators) {
        return of(folder, true, keyDefaults(), null, Map.of(), operators);
    }

    public static AuthConfig signingKeys(Path folder, boolean generate, AuthConfig.Keys keys) {
        return of(folder, generate, keys, null, Map.of());
    }

    public static AuthConfig passwords(AuthConfig.Password password) {
        return of(Path.of("unused"), false, keyDefaults(), password, Map.of());
    }

    public static AuthConfig serviceClients(Map<String, AuthConfig.ServiceClient> clients) {
        return of(Path.of("unused"), false, keyDefaults(), null, clients);
    }

    /** A client as configured: {@code scopes} null when the configuration names none. */
    public static AuthConfig.ServiceClient client(String secret, Set<String> roles, Set<String> scopes) {
        return new AuthConfig.ServiceClient() {

            public String secret() {
                return secret;
            }

            public Set<String> roles() {
                return roles;
            }

            public Optional<Set<String>> scopes() {
                return Optional.ofNullable(scopes);
            }
        };
    }

    /** Argon2id at OWASP's cost with the given pool size. */
    public static AuthConfig.Password hashing(int workers, int queue) {
        return new AuthConfig.Password() {

            public int memoryKib() {
                return 19_456;
            }

            public int iterations() {
                return 2;
            }

            public int parallelism() {
                return 1;
            }

            public int workers() {
                return workers;
            }

            public int queue() {
                return queue;
            }
        };
    }

    /** Key rotation with the production defaults (30 days, 10 min, 1 min). */
    public static AuthConfig.Keys keyDefaults() {
        return keys(Duration.ofDays(30), Duration.ofMinutes(10), Duration.ofMinutes(1));
    }

    public static AuthConfig.Keys keys(Duration rotateEvery, Duration publishLead, Duration reloadInterval) {
        return new AuthConfig.Keys() {

            public Duration rotateEvery() {
                return rotateEvery;
            }

            public Duration publishLead() {
                return publishLead;
            }

            public Duration reloadInterval() {
                return reloadInterval;
            }
        };
    }

    private static AuthConfig of(Path folder, boolean generate, AuthConfig.Keys keys, AuthConfig.Password password,
            Map<String, ServiceClient> clients) {
        return of(folder, generate, keys, password, clients, null);
    }

    private static AuthConfig of(Path folder, boolean generate, AuthConfig.Keys keys, AuthConfig.Password password,
            Map<String, ServiceClient> clients, Set<String> operators) {
        return new AuthConfig() {

            public Optional<Set<String>> operators() {
                return Optional.ofNullable(operators);
            }

            public String issuer() {
                return "http://localhost";
            }

            public String audience() {
                return "kessai";
            }

            public Duration accessTokenLifetime() {
                return Duration.ofMinutes(5);
            }

            public Path signingKeyDir() {
                return folder;
            }

            public boolean generateSigningKey() {
                return generate;
            }

            public Keys keys() {
                return keys;
            }

            public Map<String, ServiceClient> serviceClients() {
                return clients;
            }

            public Password password() {
                if (password == null) {
                    throw new UnsupportedOperationException("no password settings in this test");
                }
                return password;
            }

            public Otp otp() {
                throw new UnsupportedOperationException("no OTP settings in this test");
            }

            public DeviceProof deviceProof() {
                throw new UnsupportedOperationException("no device-proof settings in this test");
            }

            public ClientAddresses clientAddress() {
                throw new UnsupportedOperationException("no client-address settings in this test");
            }

            public Throttle throttle() {
                throw new UnsupportedOperationException("no throttle settings in this test");
            }

            public Lockout lockout() {
                throw new UnsupportedOperationException("no lockout settings in this test");
            }

            public Session session() {
                throw new UnsupportedOperationException("no session settings in this test");
            }

            public Tills tills() {
                throw new UnsupportedOperationException("no till settings in this test");
            }
        };
    }
}
