package io.kessai.auth.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.TestAuthConfig;

/** Key persistence and rotation, without starting the application; time is a clock the test moves. */
class SigningKeysTest {

    private static final Duration LEAD = Duration.ofMinutes(10);
    /** Access-token lifetime (5 min) plus clock skew (1 min): how long a replaced key stays published. */
    private static final Duration TOKENS_LIVE = Duration.ofMinutes(6);
    private static final Duration SECOND = Duration.ofSeconds(1);

    @TempDir
    Path folder;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T09:00:00Z"));

    @Test
    void firstStartGeneratesAKeyAndLaterStartsReuseIt() throws Exception {
        SigningKeys first = new SigningKeys(config(folder, true));
        SigningKeys second = new SigningKeys(config(folder, true));
        assertEquals(first.current().getKeyId(), second.current().getKeyId());
        assertEquals(1, keyFiles().size());
    }

    @Test
    void keyFileIsReadableByItsOwnerOnly() throws Exception {
        new SigningKeys(config(folder, true));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFiles().get(0))));
    }

    @Test
    void aFreshKeySignsAtOnceWhenNoKeyIsOlderThanTheLead() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        assertEquals(List.of(keys.current().getKeyId()), published(keys));
        assertTrue(keys.current().getKeyId().startsWith("20260301T090000-"), keys.current().getKeyId());
    }

    @Test
    void newestKeySignsAndOlderKeysStayPublished() throws Exception {
        writeKey("20260101T000000-aaaaaa");
        writeKey("20261101T000000-bbbbbb");
        // Both kids are past the lead, so the newest signs; the older one signed until 00:10, and tokens it signed
        // then may live until 00:16.
        clock.set(Instant.parse("2026-11-01T00:12:00Z"));
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        assertEquals("20261101T000000-bbbbbb", keys.current().getKeyId());
        assertEquals(List.of("20261101T000000-bbbbbb", "20260101T000000-aaaaaa"), published(keys));
        assertFalse(keys.publishedSet().contains("\"d\""), "no private exponent in the published set");
    }

    @Test
    void newKeyIsPublishedAtOnceButSignsOnlyAfterTheLead() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        String old = keys.current().getKeyId();
        clock.advance(Duration.ofDays(20));

        String fresh = keys.rotate();
        assertEquals(List.of(fresh, old), published(keys));
        assertEquals(old, keys.current().getKeyId());

        clock.advance(LEAD.minus(SECOND));
        keys.reload();
        assertEquals(old, keys.current().getKeyId(), "one second before the lead is over");

        // The switch follows the clock, not the reload schedule: every replica switches at the same instant.
        clock.advance(SECOND);
        assertEquals(fresh, keys.current().getKeyId());
        keys.reload();
        assertEquals(fresh, keys.current().getKeyId());
        assertEquals(List.of(fresh, old), published(keys));
    }

    @Test
    void replacedKeyStaysPublishedWhileItsTokensMayLiveThenIsRetired() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        String old = keys.current().getKeyId();
        clock.advance(Duration.ofDays(1));
        String fresh = keys.rotate();

        clock.advance(LEAD.plus(TOKENS_LIVE));
        keys.reload();
        assertEquals(List.of(fresh, old), published(keys), "a token signed just before the switch may still live");

        clock.advance(SECOND);
        keys.reload();
        assertEquals(List.of(fresh), published(keys));
        assertEquals(fresh, keys.current().getKeyId());
        assertEquals(List.of(folder.resolve(fresh + ".jwk.json")), keyFiles());
        assertTrue(Files.isRegularFile(folder.resolve("retired").resolve(old + ".jwk.json")));

        // A restart does not bring it back.
        assertEquals(List.of(fresh), published(new SigningKeys(config(folder, false), clock)));
    }

    @Test
    void aRetiredKeyThatCannotBeMovedIsStillNotPublished() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        String old = keys.current().getKeyId();
        clock.advance(Duration.ofDays(1));
        String fresh = keys.rotate();
        Files.writeString(folder.resolve("retired"), "a file where the folder should be");

        clock.advance(LEAD.plus(TOKENS_LIVE).plus(SECOND));
        keys.reload();
        assertEquals(List.of(fresh), published(keys));
        assertTrue(Files.exists(folder.resolve(old + ".jwk.json")));
        keys.reload();
        assertEquals(List.of(fresh), published(keys), "the rule, not the file's place, decides");
    }

    @Test
    void neverRetiresTheSigningKeyOrNewerKeys() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        String oldest = keys.current().getKeyId();
        clock.advance(Duration.ofDays(1));
        String signing = keys.rotate();
        clock.advance(Duration.ofDays(30));

        keys.reload(); // rotates: the signing key is 30 days old
        List<String> published = published(keys);
        assertEquals(2, published.size());
        assertNotEquals(signing, published.get(0));
        assertEquals(signing, published.get(1));
        assertEquals(signing, keys.current().getKeyId());
        assertFalse(published.contains(oldest), "long retired");
    }

    @Test
    void rotatesOnItsOwnWhenTheNewestKeyIsOlderThanRotateEvery() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        String old = keys.current().getKeyId();

        clock.advance(Duration.ofDays(30).minus(SECOND));
        keys.reload();
        assertEquals(List.of(old), published(keys));

        clock.advance(SECOND);
        keys.reload();
        List<String> published = published(keys);
        assertEquals(2, published.size());
        assertTrue(published.get(0).startsWith("20260331T090000-"), published.get(0));
        assertEquals(old, keys.current().getKeyId(), "the new key waits for its lead");
        assertEquals(2, keyFiles().size());

        keys.reload();
        assertEquals(2, keyFiles().size(), "one rotation, not one per reload");
    }

    @Test
    void aReplicaRotatesAtStartWhenItsNewestKeyIsTooOld() throws Exception {
        writeKey("20260101T000000-aaaaaa");
        SigningKeys keys = new SigningKeys(config(folder, false), clock);
        assertEquals(2, published(keys).size());
        assertEquals("20260101T000000-aaaaaa", keys.current().getKeyId());
    }

    @Test
    void reloadPicksUpAKeyAnotherReplicaWrote() throws Exception {
        SigningKeys one = new SigningKeys(config(folder, true), clock);
        SigningKeys other = new SigningKeys(config(folder, true), clock);
        clock.advance(Duration.ofDays(2));

        String fresh = other.rotate();
        assertEquals(1, published(one).size(), "not before the reload");
        one.reload();
        assertEquals(published(other), published(one));
        assertEquals(fresh, published(one).get(0));

        clock.advance(LEAD);
        assertEquals(fresh, one.current().getKeyId());
        assertEquals(fresh, other.current().getKeyId());
    }

    @Test
    void aDeletedKeyFileIsNoLongerPublishedAfterTheReload() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        String old = keys.current().getKeyId();
        clock.advance(Duration.ofDays(2));
        String fresh = keys.rotate();

        // Revoking the current key: the operator deletes its file; the new key signs at once (none is past the lead).
        Files.delete(folder.resolve(old + ".jwk.json"));
        keys.reload();
        assertEquals(List.of(fresh), published(keys));
        assertEquals(fresh, keys.current().getKeyId());
    }

    @Test
    void twoReplicasRotatingAtOnceIsHarmless() throws Exception {
        SigningKeys one = new SigningKeys(config(folder, true), clock);
        SigningKeys other = new SigningKeys(config(folder, true), clock);
        String old = one.current().getKeyId();
        clock.advance(Duration.ofDays(30));

        one.reload(); // rotates
        clock.advance(SECOND);
        other.reload(); // sees that key, so it does not rotate too
        assertEquals(2, keyFiles().size());
        String later = other.rotate(); // what a race between the two would have written
        one.reload();
        String earlier = published(one).get(1);
        assertEquals(List.of(later, earlier, old), published(one));
        assertEquals(published(one), published(other));

        clock.advance(LEAD.minus(SECOND));
        assertEquals(earlier, one.current().getKeyId(), "the earlier new key signs first");
        clock.advance(SECOND);
        assertEquals(later, one.current().getKeyId(), "a second later the later one, published as long");
        assertEquals(later, other.current().getKeyId());

        clock.advance(TOKENS_LIVE);
        one.reload();
        assertEquals(List.of(later, earlier), published(one), "the earlier one's tokens may still live");
        clock.advance(SECOND);
        one.reload();
        assertEquals(List.of(later), published(one));
    }

    @Test
    void withoutKeysAndWithoutGenerationStartFails() {
        assertThrows(IllegalStateException.class, () -> new SigningKeys(config(folder, false)));
    }

    @Test
    void publicOnlyKeyFileIsRejected() throws Exception {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("20260101T000000-cccccc");
        Files.writeString(folder.resolve("20260101T000000-cccccc.jwk.json"),
                key.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        assertThrows(IllegalStateException.class, () -> new SigningKeys(config(folder, true)));
    }

    @Test
    void nonRsaAndCorruptedKeyFilesAreRejected() throws Exception {
        JsonWebKey ec = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        ec.setKeyId("20260101T000000-eeeeee");
        Files.writeString(folder.resolve("20260101T000000-eeeeee.jwk.json"),
                ec.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
        assertThrows(IllegalStateException.class, () -> new SigningKeys(config(folder, true)));

        Files.writeString(folder.resolve("20260101T000000-eeeeee.jwk.json"), "{\"kty\":\"RSA\",\"n\":");
        assertThrows(Exception.class, () -> new SigningKeys(config(folder, true)));
    }

    @Test
    void kidWithoutCreationTimeIsRejected() throws Exception {
        writeKey("my-key");
        assertThrows(IllegalStateException.class, () -> new SigningKeys(config(folder, true), clock));
    }

    @Test
    void aBadFileAtReloadFailsLoudlyAndTheKeysLoadedBeforeStay() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        String old = keys.current().getKeyId();
        Files.writeString(folder.resolve("20260301T090100-dddddd.jwk.json"), "not json");

        assertThrows(Exception.class, keys::reload);
        assertEquals(List.of(old), published(keys));
        assertEquals(old, keys.current().getKeyId());
    }

    @Test
    void aTokenSignedBeforeRotationVerifiesAfterIt() throws Exception {
        SigningKeys keys = new SigningKeys(config(folder, true), clock);
        clock.advance(Duration.ofDays(3));
        String fresh = keys.rotate();
        clock.advance(LEAD.minus(SECOND));
        String signedByOld = sign(keys.current());

        clock.advance(SECOND);
        keys.reload();
        assertEquals(fresh, keys.current().getKeyId());
        String signedByNew = sign(keys.current());
        // The old token's exp (4:59 after the switch) is behind us, but within the resource server's skew.
        clock.advance(TOKENS_LIVE.minus(Duration.ofSeconds(2)));
        keys.reload();
        assertEquals("subject", consumer(keys).processToClaims(signedByOld).getSubject());
        assertEquals("subject", consumer(keys).processToClaims(signedByNew).getSubject());

        clock.advance(Duration.ofSeconds(3));
        keys.reload();
        assertEquals(List.of(fresh), published(keys));
        assertThrows(InvalidJwtException.class, () -> consumer(keys).processToClaims(signedByOld));
    }

    @Test
    void publishLeadMustExceedTheJwksCachePlusTheReloadInterval() {
        AuthConfig.Keys tooShort = TestAuthConfig.keys(Duration.ofDays(30), Duration.ofMinutes(6),
                Duration.ofMinutes(1));
        assertThrows(IllegalStateException.class,
                () -> new SigningKeys(TestAuthConfig.signingKeys(folder, true, tooShort), clock));
        AuthConfig.Keys rotatesTooOften = TestAuthConfig.keys(Duration.ofMinutes(10), Duration.ofMinutes(10),
                Duration.ofMinutes(1));
        assertThrows(IllegalStateException.class,
                () -> new SigningKeys(TestAuthConfig.signingKeys(folder, true, rotatesTooOften), clock));
    }

    private String sign(RsaJsonWebKey key) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer("http://localhost");
        claims.setAudience("kessai");
        claims.setSubject("subject");
        claims.setIssuedAt(NumericDate.fromMilliseconds(clock.millis()));
        claims.setExpirationTime(NumericDate.fromMilliseconds(clock.instant().plusSeconds(300).toEpochMilli()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getRsaPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    /** A resource server that has just fetched the JWKS and allows a minute of clock skew. */
    private JwtConsumer consumer(SigningKeys keys) throws Exception {
        return new JwtConsumerBuilder()
                .setVerificationKeyResolver(
                        new JwksVerificationKeyResolver(new JsonWebKeySet(keys.publishedSet()).getJsonWebKeys()))
                .setEvaluationTime(NumericDate.fromMilliseconds(clock.millis()))
                .setAllowedClockSkewInSeconds(60)
                .setRequireExpirationTime()
                .setExpectedIssuer("http://localhost")
                .setExpectedAudience("kessai")
                .build();
    }

    private static List<String> published(SigningKeys keys) throws Exception {
        return new JsonWebKeySet(keys.publishedSet()).getJsonWebKeys().stream().map(JsonWebKey::getKeyId).toList();
    }

    private void writeKey(String keyId) throws Exception {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId(keyId);
        Files.writeString(folder.resolve(keyId + ".jwk.json"),
                key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
    }

    private List<Path> keyFiles() throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".jwk.json")).toList();
        }
    }

    private static AuthConfig config(Path folder, boolean generate) {
        return TestAuthConfig.signingKeys(folder, generate);
    }

    /** A clock the test sets and moves. */
    private static final class TestClock extends Clock {

        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
