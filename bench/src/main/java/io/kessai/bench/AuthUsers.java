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

    /**
     * What a user is to auth-service ({@code app_user.account_type}): a customer, or a merchant owner; the payments
     * benchmark's customers who pay with codes their device shows (CPM) are customers of their own numbers and devices.
     */
    enum AccountType {

        CUSTOMER("customer", PHONE_PREFIX, "bench-device-"), MERCHANT_OWNER("merchant", "+81902",
                "bench-owner-device-"), CPM_CUSTOMER("customer", "+81903", "bench-cpm-device-");

        private final String wire;
        private final String phonePrefix;
        private final String devicePrefix;

        AccountType(String wire, String phonePrefix, String devicePrefix) {
            this.wire = wire;
            this.phonePrefix = phonePrefix;
            this.devicePrefix = devicePrefix;
        }
    }

    private final int count;
    private final DeviceKeys keys;
    private final AccountType type;

    private AuthUsers(int count, DeviceKeys keys, AccountType type) {
        this.count = count;
        this.keys = keys;
        this.type = type;
    }

    /** Inserts {@code count} customers and their devices into the auth database. */
    static AuthUsers create(PostgresServer postgres, int count, String passwordHash) throws SQLException {
        return create(postgres, count, passwordHash, AccountType.CUSTOMER);
    }

    /**
     * Inserts {@code count} users of {@code type} and their devices into the auth database; customers and owners get
     * numbers and device ids of their own, so both kinds can be made in one database.
     */
    static AuthUsers create(PostgresServer postgres, int count, String passwordHash, AccountType type)
            throws SQLException {
        if (count > 10_000_000) {
            throw new BenchmarkException("users: at most 10,000,000");
        }
        DeviceKeys keys = DeviceKeys.generate(count);
        try (Connection connection = postgres.connect(Service.AUTH.database())) {
            try (PreparedStatement users = connection.prepareStatement(
                    "INSERT INTO app_user (id, phone_e164, password_hash, status, activated_at, account_type) "
                            + "SELECT gen_random_uuid(), ? || lpad(n::text, 7, '0'), ?, 'active', now(), ? "
                            + "FROM generate_series(0, ? - 1) AS n")) {
                users.setString(1, type.phonePrefix);
                users.setString(2, passwordHash);
                users.setString(3, type.wire);
                users.setInt(4, count);
                users.executeUpdate();
            }
            try (PreparedStatement devices = connection.prepareStatement(
                    // Bound a month ago: the customers of a lunchtime surge use phones they have had for a while
                    // (the risk engine trusts a device bound minutes ago less).
                    "INSERT INTO device (user_id, device_id, name, status, bound_at, expires_at, key_thumbprint, "
                            + "public_key) SELECT id, ?, 'Bench phone', 'active', now() - interval '30 days', "
                            + "now() + interval '10 years', ?, ?::jsonb "
                            + "FROM app_user WHERE phone_e164 = ?")) {
                for (int n = 0; n < count; n++) {
                    devices.setString(1, type.devicePrefix + digits(n));
                    devices.setString(2, keys.thumbprint(n));
                    devices.setString(3, keys.publicJwk(n));
                    devices.setString(4, type.phonePrefix + digits(n));
                    devices.addBatch();
                }
                devices.executeBatch();
            }
            try (Statement statistics = connection.createStatement()) {
                statistics.execute("ANALYZE app_user");
                statistics.execute("ANALYZE device");
            }
        }
        return new AuthUsers(count, keys, type);
    }

    int count() {
        return count;
    }

    /** User {@code n}'s phone number (E.164). */
    String phone(int n) {
        return type.phonePrefix + digits(n);
    }

    /** The users' device keys. */
    DeviceKeys keys() {
        return keys;
    }

    /** User {@code n}'s bound device. */
    String deviceId(int n) {
        return type.devicePrefix + digits(n);
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
