package io.kessai.auth.device;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;

/**
 * Every answer of the endpoints that take device proofs carries a fresh nonce ({@code DPoP-Nonce}), refusals
 * included: an app keeps the latest one it saw and signs its next proof over it, so it rarely needs the extra round
 * trip of a {@code use-dpop-nonce} refusal.
 */
@Provider
public class NonceHeader implements ContainerResponseFilter {

    @Inject
    DeviceProofs proofs;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String path = request.getUriInfo().getPath();
        if (path.startsWith("/v1/sessions") || path.equals("/oauth2/token")) {
            response.getHeaders().putSingle(DeviceProofs.NONCE_HEADER, proofs.nonce());
        }
    }
}
