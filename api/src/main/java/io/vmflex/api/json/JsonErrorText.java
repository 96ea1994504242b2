package io.vmflex.api.json;

import com.fasterxml.jackson.databind.JsonMappingException;

/**
 * The parts of a one-line error about a rejected JSON document that every decoder of the project
 * words alike: where (a dotted path) and what (the reason, flattened and capped). Stateless.
 */
public final class JsonErrorText {
    private static final int MAX_DETAIL = 200;

    private JsonErrorText() {
    }

    /** Dotted path from Jackson's reference chain: {@code spec.guest.env[0].name}, {@code vms[2].use}. */
    public static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** A message on one line of at most 200 characters; "invalid" when there is none. */
    public static String oneLine(String message) {
        if (message == null) {
            return "invalid";
        }
        String flat = message.replaceAll("\\s+", " ").strip();
        return flat.length() > MAX_DETAIL ? flat.substring(0, MAX_DETAIL) + "..." : flat;
    }
}
