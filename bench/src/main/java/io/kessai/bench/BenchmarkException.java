package io.kessai.bench;

/** A failure the user can fix (missing tool, missing API, bad argument): reported as one line, exit code 1. */
final class BenchmarkException extends RuntimeException {

    BenchmarkException(String message) {
        super(message);
    }
}
