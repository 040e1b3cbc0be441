package io.kessai.common.problem;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * Turns every exception that reaches the REST layer into a problem document, so that no response ever carries a
 * stack trace, an exception message written for developers, or a Java class name.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        Response.ResponseBuilder response = respond(e.status(), e.code(), e.title(), e.getMessage(), uri, e.errors());
        e.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e, UriInfo uri) {
        return problem(validationFailed(e.getConstraintViolations()), uri);
    }

    @ServerExceptionMapper({JsonProcessingException.class, JsonParseException.class, MismatchedInputException.class})
    public Response unreadable(JsonProcessingException e, UriInfo uri) {
        return problem(malformedBody(e), uri);
    }

    /**
     * 400 {@code validation-failed} for Bean Validation's violations, as every endpoint answers them; also for a
     * part of a batch that is validated on its own (each event of notification-service's batch).
     */
    public static ProblemException validationFailed(Collection<? extends ConstraintViolation<?>> violations) {
        List<Problem.FieldError> errors = violations.stream()
                .map(v -> new Problem.FieldError(fieldName(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        return new ProblemException(400, ProblemCodes.VALIDATION_FAILED, "Request validation failed",
                "One or more fields are invalid; see errors.", errors, Map.of());
    }

    /** 400 {@code malformed-body} for a body (or a part of a batch read on its own) that JSON cannot map. */
    public static ProblemException malformedBody(JsonProcessingException e) {
        List<Problem.FieldError> errors = List.of();
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            errors = List.of(new Problem.FieldError(field, "is missing, unknown or of the wrong type"));
        }
        String detail = e instanceof JsonParseException || !(e instanceof JsonMappingException)
                ? "The request body is not valid JSON."
                : "The request body does not match the expected shape.";
        return new ProblemException(400, ProblemCodes.MALFORMED_BODY, "Malformed request body", detail, errors,
                Map.of());
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthenticated(RuntimeException e, UriInfo uri, HttpHeaders headers) {
        boolean tokenPresented = headers.getHeaderString(HttpHeaders.AUTHORIZATION) != null;
        String detail = tokenPresented
                ? "The bearer token is invalid, expired or not issued by Kessai."
                : "A bearer token is required.";
        return respond(401, ProblemCodes.UNAUTHORIZED, "Authentication required", detail, uri, List.of())
                .header(HttpHeaders.WWW_AUTHENTICATE, tokenPresented ? "Bearer error=\"invalid_token\"" : "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(403, ProblemCodes.FORBIDDEN, "Forbidden",
                "The token is valid but lacks the role or scope this operation needs.", uri, List.of()).build();
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException unreadableBody) {
            return unreadable(unreadableBody, uri);
        }
        int status = e.getResponse().getStatus();
        StandardProblem standard = StandardProblem.forStatus(status);
        Response.ResponseBuilder response = respond(status, standard.code(), standard.title(), standard.detail(), uri,
                List.of());
        // Keep protocol headers such as Allow (405) from the original response.
        for (Map.Entry<String, List<Object>> header : e.getResponse().getHeaders().entrySet()) {
            if (!header.getKey().equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)) {
                header.getValue().forEach(value -> response.header(header.getKey(), value));
            }
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        if (DependencyUnavailable.causedBy(e)) {
            LOG.warnf("Dependency unavailable on %s: %s", uri.getPath(), e.toString());
            StandardProblem unavailable = StandardProblem.forStatus(503);
            return respond(503, unavailable.code(), unavailable.title(), unavailable.detail(), uri, List.of())
                    .header(HttpHeaders.RETRY_AFTER, DependencyUnavailable.RETRY_AFTER_SECONDS).build();
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected error %s on %s", errorId, uri.getPath());
        return respond(500, ProblemCodes.INTERNAL_ERROR, "Internal error",
                "Something went wrong on our side; quote error id " + errorId + " to support.", uri, List.of())
                .build();
    }

    static Response.ResponseBuilder respond(int status, String code, String title, String detail, UriInfo uri,
            List<Problem.FieldError> errors) {
        Problem problem = Problem.of(status, code, title, detail, uri.getPath(), errors);
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(problem);
    }

    /** The field path as a client sees it: the last bean property, dropping the Java method and parameter names. */
    private static String fieldName(ConstraintViolation<?> violation) {
        String name = null;
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.PROPERTY || node.getKind() == ElementKind.CONTAINER_ELEMENT) {
                name = name == null ? node.getName() : name + "." + node.getName();
            }
        }
        return name != null ? name : "body";
    }
}
