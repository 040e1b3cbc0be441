package io.kessai.auth.token;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.lang.JoseException;

import io.kessai.auth.AuthConfig;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * The RSA keys auth-service signs tokens with, kept as JWK files {@code <kid>.jwk.json} in the key folder, which every
 * replica shares. The kid starts with the key's creation time (UTC), and that time alone drives the key's life:
 * <ol>
 * <li>a new key is published in the JWKS as soon as a replica reads the folder;
 * <li>it signs once it is {@code publish-lead} old, which is longer than resource servers cache the JWKS plus the
 * reload interval, so every resource server knows it before it sees a token signed with it (on a fresh install, when
 * no key is that old, the oldest signs at once);
 * <li>the key it replaced stays published until all the tokens that key signed have expired (access-token lifetime
 * plus clock skew after the switch); then it is moved to {@code retired/} and no longer published.
 * </ol>
 * Every {@code reload-interval} each replica re-reads the folder (keys written by another replica or an operator,
 * keys an operator deleted), writes a new key when the newest is {@code rotate-every} old, and retires keys. Since
 * every decision follows from the kids and the clock, replicas agree without talking to each other. Two replicas that
 * rotate at the same moment write two keys: both are published before either signs, the older one signs until the
 * newer one's lead is over and is then retired like any replaced key, so the only cost is one extra key for a while.
 * <p>
 * Tokens are signed on the event loop while reloads run on a worker: readers see one immutable snapshot, swapped
 * atomically, and which published key signs is decided at each call from the clock, so the switch to a new key happens
 * at the same instant on every replica whatever the reload schedule.
 */
@Startup
@ApplicationScoped
public class SigningKeys {

    /** How long resource servers may cache the JWKS (its {@code Cache-Control} max-age). */
    public static final Duration JWKS_MAX_AGE = Duration.ofMinutes(5);

    /** Leeway for clocks: a resource server may accept a token this long after its exp. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    /** Subfolder of the key folder that retired keys are moved to; nothing reads it. */
    static final String RETIRED = "retired";

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    private static final String SUFFIX = ".jwk.json";
    private static final DateTimeFormatter KEY_ID_TIME = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss");
    private static final Pattern KEY_ID = Pattern.compile("\\d{8}T\\d{6}(-.*)?");

    private final Path folder;
    private final boolean generateWhenEmpty;
    private final Duration rotateEvery;
    private final Duration publishLead;
    private final Duration tokenLifetime;
    private final Clock clock;

    /** Held by whoever reads or writes the folder (reloads, rotations); readers of the snapshot never take it. */
    private final Object folderLock = new Object();
    /** Kids whose trouble was already logged at WARN (under folderLock), so a read-only folder does not flood logs. */
    private final Set<String> warned = new HashSet<>();

    /** The kid that signed as of the last reload (under folderLock), to log when another takes over. */
    private String signingAtLastReload;

    private volatile Snapshot snapshot;

    @Inject
    SigningKeys(AuthConfig config) throws IOException, JoseException {
        this(config, Clock.systemUTC());
    }

    SigningKeys(AuthConfig config, Clock clock) throws IOException, JoseException {
        AuthConfig.Keys keys = config.keys();
        if (!keys.reloadInterval().isPositive()) {
            throw new IllegalStateException("kessai.auth.keys.reload-interval must be positive");
        }
        if (keys.publishLead().compareTo(JWKS_MAX_AGE.plus(keys.reloadInterval())) <= 0) {
            throw new IllegalStateException(String.format(
                    "kessai.auth.keys.publish-lead (%s) must exceed the JWKS cache max-age (%s) plus"
                            + " kessai.auth.keys.reload-interval (%s): every replica must publish a new key, and every"
                            + " resource server fetch it, before it signs",
                    keys.publishLead(), JWKS_MAX_AGE, keys.reloadInterval()));
        }
        if (keys.rotateEvery().compareTo(keys.publishLead()) <= 0) {
            throw new IllegalStateException("kessai.auth.keys.rotate-every (" + keys.rotateEvery()
                    + ") must exceed kessai.auth.keys.publish-lead (" + keys.publishLead()
                    + "), or keys would be replaced before they sign");
        }
        this.folder = config.signingKeyDir().toAbsolutePath();
        this.generateWhenEmpty = config.generateSigningKey();
        this.rotateEvery = keys.rotateEvery();
        this.publishLead = keys.publishLead();
        this.tokenLifetime = config.accessTokenLifetime();
        this.clock = clock;
        synchronized (folderLock) {
            refresh();
        }
    }

    /** The key that signs new tokens now: the newest published key at least publish-lead old, else the oldest. */
    public RsaJsonWebKey current() {
        return snapshot.signingAt(clock.instant()).jwk();
    }

    /** The public JWK set, as served at the JWKS endpoint: newest first, never a private part. */
    public String publishedSet() {
        return snapshot.publishedJson();
    }

    /**
     * Re-reads the key folder, writes a new key if the newest is rotate-every old, and retires keys whose tokens have
     * all expired. On failure (an unreadable or foreign file, an empty folder without generation) it throws and the
     * keys loaded before stay in use.
     */
    public void reload() throws IOException, JoseException {
        synchronized (folderLock) {
            refresh();
        }
    }

    /**
     * Writes a new key to the folder and reloads: the new key is published at once and signs from publish-lead on.
     * For an ops endpoint or a test; replicas also rotate on their own every rotate-every.
     *
     * @return the new key's kid
     */
    public String rotate() throws IOException, JoseException {
        synchronized (folderLock) {
            String keyId = generate(clock.instant()).kid();
            refresh();
            return keyId;
        }
    }

    /** Runs on a worker thread (a plain void method), never on the event loop: this is blocking file IO. */
    @Scheduled(every = "${kessai.auth.keys.reload-interval}", delayed = "${kessai.auth.keys.reload-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledReload() {
        try {
            reload();
        } catch (IOException | JoseException | RuntimeException e) {
            LOG.errorf(e, "Reloading the signing keys from %s failed; still using the keys loaded before", folder);
        }
    }

    /** Reads the folder and swaps in a new snapshot; the caller holds folderLock. */
    private void refresh() throws IOException, JoseException {
        Instant now = clock.instant();
        List<Key> keys = new ArrayList<>(load());
        if (keys.isEmpty()) {
            if (!generateWhenEmpty) {
                throw new IllegalStateException(
                        "no signing key in " + folder + " and kessai.auth.generate-signing-key is false");
            }
            keys.add(generate(now));
        } else if (!now.isBefore(keys.get(0).created().plus(rotateEvery))) {
            Key newest = keys.get(0);
            try {
                keys.add(0, generate(now));
                LOG.infof("Rotated: key %s was older than %s", newest.kid(), rotateEvery);
            } catch (IOException e) {
                warnOnce(newest.kid(), "Key %s is older than %s but no new key could be written to %s (%s);"
                        + " add one to the folder", newest.kid(), rotateEvery, folder, e);
            }
        }

        Key signing = Snapshot.signingAt(keys, now);
        int signingIndex = keys.indexOf(signing);
        List<Key> published = new ArrayList<>(keys.subList(0, signingIndex + 1));
        Set<String> retiredNow = new HashSet<>();
        for (int i = signingIndex + 1; i < keys.size(); i++) {
            // The next newer key replaced this one when its own lead was over; once it has signed for longer than a
            // token lives (plus skew), no token this key signed is still accepted anywhere.
            Instant replacedAt = keys.get(i - 1).signsFrom();
            if (Duration.between(replacedAt, now).compareTo(tokenLifetime.plus(CLOCK_SKEW)) > 0) {
                retire(keys.get(i), replacedAt);
                retiredNow.add(keys.get(i).kid());
            } else {
                published.add(keys.get(i));
            }
        }

        Snapshot next = new Snapshot(published);
        logChanges(snapshot, next, now, retiredNow);
        snapshot = next;
    }

    private List<Key> load() throws IOException, JoseException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<Path> candidates;
        try (Stream<Path> files = Files.list(folder)) {
            candidates = files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList();
        }
        List<Key> keys = new ArrayList<>();
        for (Path file : candidates) {
            String json;
            try {
                json = Files.readString(file);
            } catch (NoSuchFileException retiredMeanwhile) {
                continue; // another replica moved it to retired/ (or an operator deleted it) since the listing
            }
            JsonWebKey key = JsonWebKey.Factory.newJwk(json);
            if (!(key instanceof RsaJsonWebKey rsa) || rsa.getPrivateKey() == null || rsa.getKeyId() == null) {
                throw new IllegalStateException(file + " is not an RSA private JWK with a kid");
            }
            keys.add(new Key(rsa, createdAt(rsa.getKeyId(), file), publishLead, file));
        }
        // Key ids start with their creation time, so the greatest id is the newest key.
        keys.sort(Comparator.comparing(Key::created).thenComparing(Key::kid).reversed());
        return keys;
    }

    private static Instant createdAt(String keyId, Path file) {
        if (KEY_ID.matcher(keyId).matches()) {
            try {
                return LocalDateTime.parse(keyId.substring(0, 15), KEY_ID_TIME).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        throw new IllegalStateException(file + ": kid " + keyId
                + " does not start with the key's UTC creation time, yyyyMMdd'T'HHmmss");
    }

    private Key generate(Instant now) throws IOException, JoseException {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId(LocalDateTime.ofInstant(now, ZoneOffset.UTC).format(KEY_ID_TIME) + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6));
        key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
        key.setUse("sig");
        Files.createDirectories(folder);
        Path temporary = Files.createTempFile(folder, "new-key", ".tmp");
        try {
            restrictToOwner(temporary);
            Files.writeString(temporary, key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            Path target = folder.resolve(key.getKeyId() + SUFFIX);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target);
            }
            LOG.infof("Generated signing key %s in %s", key.getKeyId(), folder);
            return new Key(key, createdAt(key.getKeyId(), target), publishLead, target);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private void retire(Key key, Instant replacedAt) {
        Path target = folder.resolve(RETIRED).resolve(key.file().getFileName());
        try {
            Files.createDirectories(target.getParent());
            Files.move(key.file(), target, StandardCopyOption.ATOMIC_MOVE);
            LOG.infof("Retired key %s: replaced at %s, every token it signed has expired; moved to %s", key.kid(),
                    replacedAt, target);
        } catch (NoSuchFileException movedAlready) {
            LOG.infof("Retired key %s (another replica moved its file already)", key.kid());
        } catch (IOException e) {
            // Still retired: the same rule drops it from the published set at every reload.
            warnOnce(key.kid(), "Retired key %s (no longer published), but could not move it to %s: %s", key.kid(),
                    target.getParent(), e);
        }
    }

    private void logChanges(Snapshot before, Snapshot after, Instant now, Set<String> retiredNow) {
        Key signing = after.signingAt(now);
        if (before == null) {
            LOG.infof("Signing with key %s; %d key(s) published: %s", signing.kid(), after.published().size(),
                    after.keyIds());
        } else if (!signing.kid().equals(signingAtLastReload)) {
            LOG.infof("Key %s signs now, replacing %s", signing.kid(), signingAtLastReload);
        }
        signingAtLastReload = signing.kid();
        for (Key key : after.published()) {
            boolean isNew = before == null || !before.keyIds().contains(key.kid());
            if (isNew && key.created().isAfter(signing.created())) {
                LOG.infof("Key %s is published and signs from %s", key.kid(), key.signsFrom());
            } else if (isNew && before != null) {
                LOG.infof("Key %s is published", key.kid());
            }
        }
        if (before != null) {
            for (String keyId : before.keyIds()) {
                if (!after.keyIds().contains(keyId) && !retiredNow.contains(keyId)) {
                    LOG.infof("Key %s is gone from %s; no longer published", keyId, folder);
                }
            }
        }
    }

    private void warnOnce(String keyId, String format, Object... params) {
        if (warned.add(keyId)) {
            LOG.warnf(format, params);
        } else {
            LOG.debugf(format, params);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Non-POSIX file systems keep their own ACLs.
        }
    }

    /** A key from the folder, with the instants its kid gives it. */
    private record Key(RsaJsonWebKey jwk, String kid, Instant created, Instant signsFrom, Path file) {

        Key(RsaJsonWebKey jwk, Instant created, Duration publishLead, Path file) {
            this(jwk, jwk.getKeyId(), created, created.plus(publishLead), file);
        }
    }

    /** What readers see: the published keys, newest first, and their public JWKS. Immutable. */
    private record Snapshot(List<Key> published, List<String> keyIds, String publishedJson) {

        Snapshot(List<Key> published) {
            this(List.copyOf(published), published.stream().map(Key::kid).toList(), new JsonWebKeySet(
                    published.stream().map(Key::jwk).toList()).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        }

        Key signingAt(Instant now) {
            return signingAt(published, now);
        }

        /**
         * The newest key whose lead is over; if none is (a fresh install), the oldest, which was published first: a
         * key rotated in right after the first start still waits its lead. Keys are newest first.
         */
        static Key signingAt(List<Key> keys, Instant now) {
            for (Key key : keys) {
                if (!key.signsFrom().isAfter(now)) {
                    return key;
                }
            }
            return keys.get(keys.size() - 1);
        }
    }
}
