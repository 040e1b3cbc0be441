package io.kessai.payment.qr;

import java.util.List;
import java.util.Optional;

/**
 * One EMVCo data object: a two-digit ID, its value, and, when the ID names a template, the data objects that value
 * holds (in the order they were written). A primitive data object has no children; a template always has at least
 * one, since its value is itself a non-empty list of data objects.
 */
public record DataObject(String id, String value, List<DataObject> children) {

    /** EMVCo allows one or two digits' worth of length: 01 to 99 characters. */
    public static final int MAX_VALUE_LENGTH = 99;

    public DataObject {
        children = List.copyOf(children);
    }

    public boolean isTemplate() {
        return !children.isEmpty();
    }

    /** The child with this ID, if this is a template that has one (IDs are unique within a template). */
    public Optional<DataObject> child(String childId) {
        return children.stream().filter(child -> child.id().equals(childId)).findFirst();
    }

    /** The value of the child with this ID. */
    public Optional<String> childValue(String childId) {
        return child(childId).map(DataObject::value);
    }

    /**
     * The data object as payload text: ID, length in characters as two digits, value. Only for values we compose
     * ourselves, so a value outside 1–99 characters is a bug in the caller, not a refusal of input.
     */
    public static String write(String id, String value) {
        int length = PayloadText.length(value);
        if (id.length() != 2 || !PayloadText.isDigits(id) || length < 1 || length > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("a data object has a two-digit ID and 1 to 99 characters, not "
                    + length + " under ID " + id);
        }
        return id + (length < 10 ? "0" : "") + length + value;
    }
}
