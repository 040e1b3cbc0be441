package io.kessai.common.json;

import static java.lang.annotation.ElementType.ANNOTATION_TYPE;
import static java.lang.annotation.ElementType.CONSTRUCTOR;
import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;

/**
 * A free-form JSON value a caller attaches and we store as given (a transfer's metadata, an event's data): at most
 * {@link #maxDepth()} levels of objects and arrays, and at most {@link #maxBytes()} bytes written as JSON. The body
 * limit alone would let one request store 64 KiB, or a document 30 levels deep, in every row.
 */
@Documented
@Constraint(validatedBy = FreeFormValidator.class)
@Target({METHOD, FIELD, ANNOTATION_TYPE, CONSTRUCTOR, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
public @interface FreeForm {

    String message() default "must nest at most {maxDepth} levels and take at most {maxBytes} bytes as JSON";

    /** Levels of objects and arrays, the value itself counting as the first: {@code {"a":{"b":1}}} has two. */
    int maxDepth() default 5;

    int maxBytes() default 4096;

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
