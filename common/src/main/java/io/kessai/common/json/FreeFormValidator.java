package io.kessai.common.json;

import java.util.Collection;
import java.util.Map;

import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Checks {@link FreeForm}: the depth by walking the parsed value, the size by writing it as it will be stored. */
public class FreeFormValidator implements ConstraintValidator<FreeForm, Object> {

    /** Plain JSON, as the value is stored (jsonb); the size does not depend on a service's mapper settings. */
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private int maxDepth;
    private int maxBytes;

    @Override
    public void initialize(FreeForm constraint) {
        maxDepth = constraint.maxDepth();
        maxBytes = constraint.maxBytes();
    }

    @Override
    public boolean isValid(Object value, ConstraintValidatorContext context) {
        if (value == null) {
            return true;
        }
        if (depth(value, 1) > maxDepth) {
            return false;
        }
        try {
            return JSON.writeValueAsBytes(value).length <= maxBytes;
        } catch (JsonProcessingException notJson) {
            return false;
        }
    }

    /**
     * The levels of objects and arrays in {@code value}, which sits at level {@code level}. Stops counting past the
     * limit; the parser has already bounded the depth (StrictJson), so the recursion is shallow.
     */
    private int depth(Object value, int level) {
        Iterable<?> children;
        if (value instanceof Map<?, ?> object) {
            children = object.values();
        } else if (value instanceof Collection<?> array) {
            children = array;
        } else {
            return level - 1;
        }
        int deepest = level;
        for (Object child : children) {
            deepest = Math.max(deepest, depth(child, level + 1));
            if (deepest > maxDepth) {
                break;
            }
        }
        return deepest;
    }
}
