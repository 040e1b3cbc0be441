package io.kessai.notification.sms;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;

import io.kessai.notification.NotificationConfig;
import io.kessai.notification.delivery.SendFailure;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

/**
 * Sends through a generic SMS provider HTTP API: {@code POST <url>} with {@code Authorization: Bearer <key>} and
 * JSON {@code {"to": "+81...", "text": "...", "reference": "<delivery id>"}}. 2xx is sent; 4xx other than 408 and
 * 429 is a rejection (not retried); anything else, a timeout or an open circuit is transient.
 */
@ApplicationScoped
public class HttpSmsSender implements SmsSender {

    interface ProviderApi {

        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> send(@HeaderParam("Authorization") String authorization, Request request);
    }

    public record Request(String to, String text, String reference) {
    }

    private final NotificationConfig.Sms config;
    private volatile ProviderApi api;

    HttpSmsSender(NotificationConfig config) {
        this.config = config.sms();
    }

    @Override
    @Bulkhead(value = 16, waitingTaskQueue = 64)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 10_000, skipOn = SmsRejected.class)
    public Uni<Void> send(String phone, String text, String reference) {
        return api().send("Bearer " + config.httpApiKey().orElse(""), new Request(phone, text, reference))
                .onFailure(WebApplicationException.class)
                .recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(response -> {
                    int status = response.getStatus();
                    if (status >= 200 && status < 300) {
                        return null;
                    }
                    if (status >= 400 && status < 500 && status != 408 && status != 429) {
                        throw new SmsRejected("SMS provider rejected the message with HTTP " + status);
                    }
                    throw new SendFailure("SMS provider answered HTTP " + status, false);
                })
                .replaceWithVoid();
    }

    private ProviderApi api() {
        if (api == null) {
            URI url = config.httpUrl().orElseThrow(() -> new SendFailure(
                    "kessai.notification.sms.http-url is not set", false));
            api = QuarkusRestClientBuilder.newBuilder()
                    .baseUri(url)
                    .connectTimeout(config.httpTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(config.httpTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .build(ProviderApi.class);
        }
        return api;
    }

    /** The provider refused this message for good (bad number, blocked destination). */
    public static class SmsRejected extends SendFailure {

        public SmsRejected(String reason) {
            super(reason, true);
        }
    }
}
