package io.kessai.auth.device;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.otp.OtpPepper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Device keys' proofs of possession at sign-in and at the token endpoint: {@link DpopVerifier} checks a proof, and
 * here a proof is spent, so that each one is accepted once. The nonce key is derived from the OTP key file, which
 * every replica shares.
 */
@ApplicationScoped
public class DeviceProofs {

    /** The request header a proof comes in, and the answer header a nonce goes out in (RFC 9449). */
    public static final String PROOF_HEADER = "DPoP";
    public static final String NONCE_HEADER = "DPoP-Nonce";

    private final Pool pool;
    private final DpopVerifier verifier;

    DeviceProofs(Pool pool, OtpPepper pepper, AuthConfig config,
            @ConfigProperty(name = "kessai.token.clock-skew", defaultValue = "30S") Duration clockSkew) {
        this.pool = pool;
        this.verifier = new DpopVerifier(pepper.key(), config.deviceProof().nonceLifetime(), clockSkew,
                InstantSource.system());
    }

    public String nonce() {
        return verifier.nonce();
    }

    /** Checks a proof without spending it; {@code null} when the request carries none. */
    public DpopVerifier.Proof verifyIfPresent(String proof, String method, String path) {
        return proof == null ? null : verifier.verify(proof, method, path);
    }

    /** Spends a proof: refused with 400 {@code invalid-dpop-proof} when it was presented before. */
    public Uni<DpopVerifier.Proof> spend(DpopVerifier.Proof proof) {
        if (proof == null) {
            return Uni.createFrom().nullItem();
        }
        return pool.preparedQuery("INSERT INTO dpop_proof (jti_hash, expires_at) "
                + "VALUES ($1, now() + make_interval(secs => $2)) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(jtiHash(proof), (double) verifier.remembered().toSeconds()))
                .map(inserted -> {
                    if (inserted.rowCount() == 0) {
                        throw DpopVerifier.invalid("This DPoP proof was presented before; make a new one per request.");
                    }
                    return proof;
                });
    }

    /** A jti is the device's to choose, so it counts per key: nobody can spend another key's proof ids. */
    private static String jtiHash(DpopVerifier.Proof proof) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest((proof.thumbprint() + ':' + proof.jti()).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
