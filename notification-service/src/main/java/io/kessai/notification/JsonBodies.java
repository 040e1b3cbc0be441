package io.kessai.notification;

import io.kessai.notification.event.EventIntake;
import io.kessai.notification.event.EventRequest;
import io.kessai.notification.sms.HttpSmsSender;
import io.kessai.notification.webhook.WebhookResource;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The JSON bodies of this service that Quarkus cannot find by itself, registered for reflection so that Jackson can
 * read and write them in a native executable: Quarkus registers the types in REST resource and client signatures, but
 * not the entity of a {@code Response}, a body read with {@code ObjectMapper.treeToValue}, or a REST client body (docs/native.md). A record's own field types come along
 * ({@code registerFullHierarchy}).
 */
@RegisterForReflection(registerFullHierarchy = true, targets = {
        EventIntake.Accepted.class, WebhookResource.Endpoint.class,
        // EventResource's batch reads each item as a tree, then maps it.
        EventRequest.class,
        // The SMS provider's request body (HttpSmsSender's REST client).
        HttpSmsSender.Request.class
})
final class JsonBodies {

    private JsonBodies() {
    }
}
