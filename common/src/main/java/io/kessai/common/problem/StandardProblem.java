package io.kessai.common.problem;

/** The wording for HTTP errors raised by the framework itself (unknown path, wrong method, wrong media type). */
record StandardProblem(String code, String title, String detail) {

    static StandardProblem forStatus(int status) {
        return switch (status) {
            case 400 -> new StandardProblem("bad-request", "Bad request", "The request could not be understood.");
            case 401 -> new StandardProblem(ProblemCodes.UNAUTHORIZED, "Authentication required",
                    "A valid bearer token is required.");
            case 403 -> new StandardProblem(ProblemCodes.FORBIDDEN, "Forbidden", "This operation is not allowed.");
            case 404 -> new StandardProblem(ProblemCodes.NOT_FOUND, "Not found", "No such resource.");
            case 405 -> new StandardProblem("method-not-allowed", "Method not allowed",
                    "This resource does not support that HTTP method.");
            case 406 -> new StandardProblem("not-acceptable", "Not acceptable",
                    "This resource cannot answer in the media type the request accepts.");
            case 413 -> new StandardProblem("payload-too-large", "Payload too large", "The request body is too large.");
            case 415 -> new StandardProblem("unsupported-media-type", "Unsupported media type",
                    "This endpoint does not accept that Content-Type; see its OpenAPI description.");
            case 429 -> new StandardProblem("too-many-requests", "Too many requests", "Slow down and retry later.");
            case 503 -> new StandardProblem("service-unavailable", "Service unavailable",
                    "The service cannot serve this request now; retry later.");
            default -> status >= 500
                    ? new StandardProblem(ProblemCodes.INTERNAL_ERROR, "Internal error",
                            "Something went wrong on our side.")
                    : new StandardProblem("http-" + status, "Request failed",
                            "The request failed with status " + status + ".");
        };
    }
}
