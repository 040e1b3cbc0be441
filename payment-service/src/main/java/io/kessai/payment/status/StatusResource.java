package io.kessai.payment.status;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;

/**
 * {@code GET /v1/status}: whether paying, refunds and receipts work now, for apps and tills. Anyone may ask (an app
 * that cannot sign in must still learn why), and it is never shed.
 */
@Path("/v1/status")
@Tag(name = "status")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public class StatusResource {

    static final String EXAMPLE = """
            {"status": "down", "checkedAt": "2026-12-02T03:15:00.123Z", "capabilities": {
              "paying": {"status": "down", "message": {
                "ja": "残高を確認できないため、ただいまお支払いできません。しばらくしてからお試しください。",
                "en": "Payments are paused: balances cannot be reached. Please try again shortly."}},
              "refunds": {"status": "down", "message": {
                "ja": "残高を確認できないため、ただいま返金できません。しばらくしてからお試しください。",
                "en": "Refunds are paused: balances cannot be reached. Please try again shortly."}},
              "receipts": {"status": "ok", "message": {
                "ja": "お支払いの通知は通常どおり届きます。", "en": "Receipts are delivered normally."}}}}""";

    private final ServiceStatus status;
    private final CacheControl cacheControl;

    StatusResource(ServiceStatus status, StatusConfig config) {
        this.status = status;
        this.cacheControl = new CacheControl();
        cacheControl.setMaxAge((int) Math.max(1, config.cacheFor().toSeconds()));
    }

    @GET
    @Operation(summary = "Whether paying, refunds and receipts are ok, degraded or down now, with a message in ja and "
            + "en; judged from the ledger's circuit breaker, recent load shedding and the receipt backlog, at most "
            + "once a second. No token needed")
    @APIResponse(responseCode = "200", description = "The status of each capability", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StatusView.class), examples = @ExampleObject(name = "ledger unreachable", value = EXAMPLE)))
    public Uni<Response> status() {
        return status.now().map(view -> Response.ok(view).cacheControl(cacheControl).build());
    }
}
