package io.kessai.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import io.kessai.stack.Service;

/**
 * The benchmark's customers, written straight into auth-service's database: active accounts that all share one
 * password hash (made in this process with auth-service's cost), each with one device bound to its own P-256 key,
 * so that a sign-in from that device needs the password and a proof of the key. Registering thousands through the API
 * would take an SMS code each.
 */
final class AuthUsers {

    /** Shared by every benchmark user; not a secret. */
    static final String PASSWORD = "bench-password-shared-by-all";

    private static final String PHONE_PREFIX = "+81901";

    private final int count;
    private final DeviceKeys keys;

    private AuthUsers(int count, DeviceKeys keys) {
        this.count = count;
        this.keys = keys;
    }

    /** Inserts {@code count} users and their devices into the auth database. */
    static AuthUsers create(PostgresServer postgres, int count, String passwordHash) throws SQLException {
        if (count > 10_000_000) {
            throw new BenchmarkException("users: at most 10,000,000");
        }
        DeviceKeys keys = DeviceKeys.generate(count);
        try (Connection connection = postgres.connect(Service.AUTH.database())) {
            try (PreparedStatement users = connection.prepareStatement(
                    "INSERT INTO app_user (id, phone_e164, password_hash, status, activated_at) "
                            + "SELECT gen_random_uuid(), ? || lpad(n::text, 7, '0'), ?, 'active', now() "
                            + "FROM generate_series(0, ? - 1) AS n")) {
                users.setString(1, PHONE_PREFIX);
                users.setString(2, passwordHash);
                users.setInt(3, count);
                users.executeUpdate();
            }
            try (PreparedStatement devices = connection.prepareStatement(
                    "INSERT INTO device (user_id, device_id, name, status, expires_at, key_thumbprint, public_key) "
                            + "SELECT id, ?, 'Bench phone', 'active', now() + interval '10 years', ?, ?::jsonb "
                            + "FROM app_user WHERE phone_e164 = ?")) {
                for (int n = 0; n < count; n++) {
                    devices.setString(1, "bench-device-" + digits(n));
                    devices.setString(2, keys.thumbprint(n));
                    devices.setString(3, keys.publicJwk(n));
                    devices.setString(4, PHONE_PREFIX + digits(n));
                    devices.addBatch();
                }
                devices.executeBatch();
            }
            try (Statement statistics = connection.createStatement()) {
                statistics.execute("ANALYZE app_user");
                statistics.execute("ANALYZE device");
            }
        }
        return new AuthUsers(count, keys);
    }

    int count() {
        return count;
    }

    /** User {@code n}'s phone number (E.164). */
    String phone(int n) {
        return PHONE_PREFIX + digits(n);
    }

    /** The users' device keys. */
    DeviceKeys keys() {
        return keys;
    }

    /** User {@code n}'s bound device. */
    String deviceId(int n) {
        return "bench-device-" + digits(n);
    }

    /** Numbers with a run of failed attempts counted, and those of them locked now. */
    record Lockouts(int counted, int locked) {
    }

    /**
     * Clears the per-number failure counts a load left behind and returns them. Every attempt is counted before its
     * password is checked and only a success clears the count, but a sign-in shed because the hashing pool was full
     * (503) is taken back: after a load of right passwords there should be nothing to clear.
     */
    static Lockouts clearLockouts(PostgresServer postgres) throws SQLException {
        try (Connection connection = postgres.connect(Service.AUTH.database());
                Statement statement = connection.createStatement()) {
            Lockouts lockouts;
            try (var rows = statement.executeQuery("SELECT count(*), count(*) FILTER (WHERE locked_until > now()) "
                    + "FROM login_lockout WHERE failures > 0")) {
                rows.next();
                lockouts = new Lockouts(rows.getInt(1), rows.getInt(2));
            }
            statement.executeUpdate("DELETE FROM login_lockout");
            return lockouts;
        }
    }

    private static String digits(int n) {
        return String.format("%07d", n);
    }
}
