package io.kessai.auth;

/**
 * The end of a transaction that may refuse yet must commit what it counted (a wrong code's attempt, a revoked token
 * family): the refusal travels out of the transaction as a value and is thrown only after the commit.
 */
public record Decision<T>(T value, RuntimeException refusal) {

    public static <T> Decision<T> accept(T value) {
        return new Decision<>(value, null);
    }

    public static <T> Decision<T> refuse(RuntimeException refusal) {
        return new Decision<>(null, refusal);
    }

    /** The value, or the refusal thrown (call after the transaction has committed). */
    public T get() {
        if (refusal != null) {
            throw refusal;
        }
        return value;
    }
}
