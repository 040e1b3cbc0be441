package io.kessai.wallet;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.kessai.common.problem.ProblemException;

/** Test-only endpoints that provoke each kind of error, to check the problem documents the shared mappers write. */
@Path("/test/problems")
public class ProblemProbeResource {

    public record Order(@NotNull @Positive Long amount, @NotBlank String currency) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Order echo(@Valid @NotNull Order order) {
        return order;
    }

    @GET
    @Path("/domain")
    public String domain() {
        throw new ProblemException(409, "insufficient-funds", "Insufficient funds", "The balance is 100 JPY.",
                java.util.List.of(), java.util.Map.of("Retry-After", "5"));
    }

    @GET
    @Path("/bug")
    public String bug() {
        throw new IllegalStateException("secret internal state in io.kessai.wallet.Something");
    }
}
