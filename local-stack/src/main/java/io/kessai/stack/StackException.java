package io.kessai.stack;

/** A problem starting the stack that the user can fix; its message is printed as one line, without a stack trace. */
public class StackException extends RuntimeException {

    public StackException(String message) {
        super(message);
    }
}
