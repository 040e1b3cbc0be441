package io.kessai.testing;

import java.util.function.Function;

import io.restassured.response.Response;

/**
 * Sends a request that carries a device proof the way an app does: over the latest nonce the key has seen, and when
 * the answer is 400 {@code use-dpop-nonce} (or OAuth's {@code use_dpop_nonce}), once more over the nonce that answer
 * brought. Every answer's {@code DPoP-Nonce} is kept for the next proof.
 */
public final class DeviceProofRequests {

    private DeviceProofRequests() {
    }

    /** {@code send} gets the {@code DPoP} header's value and sends the request; {@code url} is what the proof signs. */
    public static Response send(DeviceKey key, String method, String url, Function<String, Response> send) {
        Response answer = send.apply(key.proof(method, url));
        key.sawNonce(answer.header("DPoP-Nonce"));
        if (answer.statusCode() == 400 && needsNonce(answer.asString())) {
            answer = send.apply(key.proof(method, url));
            key.sawNonce(answer.header("DPoP-Nonce"));
        }
        return answer;
    }

    private static boolean needsNonce(String body) {
        return body.contains("use-dpop-nonce") || body.contains("use_dpop_nonce");
    }
}
