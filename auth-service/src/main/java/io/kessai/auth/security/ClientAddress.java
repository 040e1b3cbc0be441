package io.kessai.auth.security;

import io.vertx.core.http.HttpServerRequest;

/** The caller's address: the peer's, or the client a trusted proxy names (quarkus.http.proxy.*). */
public final class ClientAddress {

    private ClientAddress() {
    }

    public static String of(HttpServerRequest request) {
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }
}
