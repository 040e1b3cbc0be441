package io.kessai.stack;

/**
 * The four Kessai services as the launcher knows them: module folder, default port and database. Each is also a
 * service client of auth-service (client-credentials) with a secret the stack generates.
 */
public enum Service {

    AUTH("auth-service", 8081, "auth"), WALLET("wallet-service", 8082, "wallet"), PAYMENT("payment-service", 8083,
            "payment"), NOTIFICATION("notification-service", 8084, "notification");

    private final String module;
    private final int defaultPort;
    private final String database;

    Service(String module, int defaultPort, String database) {
        this.module = module;
        this.defaultPort = defaultPort;
        this.database = database;
    }

    public String module() {
        return module;
    }

    public int defaultPort() {
        return defaultPort;
    }

    public String database() {
        return database;
    }

    /** Whether it hands events to notification-service through the shared outbox relay (kessai-outbox). */
    public boolean usesOutbox() {
        return this == AUTH || this == PAYMENT;
    }

    /** Environment variable overriding the port, e.g. {@code KESSAI_WALLET_PORT}. */
    public String portVariable() {
        return "KESSAI_" + name() + "_PORT";
    }
}
