package io.vmflex.api.autoscaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Set;

/**
 * Reads the small JSON objects autoscaling annotations hold, strictly (duplicate keys, unknown keys
 * and wrong token types fail), each error naming the field inside the annotation as
 * {@code metadata.annotations[<name>].max.cpu}. Stateless and thread-safe.
 */
final class AnnotationReader {

    /** Annotations are short; anything longer is refused before parsing. */
    static final int MAX_ANNOTATION_CHARS = 1024;

    private AnnotationReader() {
    }

    static String field(String annotation) {
        return "metadata.annotations[" + annotation + "]";
    }

    static JsonNode parseObject(String annotation, String text) {
        String field = field(annotation);
        if (text.length() > MAX_ANNOTATION_CHARS) {
            throw new InvalidSpecException(field, "must be at most " + MAX_ANNOTATION_CHARS + " characters, got "
                    + text.length());
        }
        JsonNode tree;
        try {
            tree = ApiMapper.json().readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(field, "is not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidSpecException(field, "expected a JSON object");
        }
        return tree;
    }

    /** The object at {@code key}, after checking it has only {@code allowed} keys. */
    static JsonNode object(JsonNode parent, String key, String path, Set<String> allowed) {
        JsonNode node = required(parent, key, path);
        if (!node.isObject()) {
            throw new InvalidSpecException(path + "." + key, "expected an object");
        }
        onlyKeys(node, path + "." + key, allowed);
        return node;
    }

    static void onlyKeys(JsonNode node, String path, Set<String> allowed) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new InvalidSpecException(path + "." + name, "unknown field, expected one of "
                        + allowed.stream().sorted().toList());
            }
        }
    }

    static MilliCpu cpu(JsonNode parent, String key, String path) {
        JsonNode node = required(parent, key, path);
        try {
            if (node.isNumber()) {
                return MilliCpu.fromDecimal(node.decimalValue(), node.asText());
            }
            if (node.isTextual()) {
                return MilliCpu.parse(node.textValue());
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new InvalidSpecException(path + "." + key, e.getMessage());
        }
        throw new InvalidSpecException(path + "." + key, "expected " + MilliCpu.EXPECTED);
    }

    static ByteQuantity bytes(JsonNode parent, String key, String path) {
        JsonNode node = required(parent, key, path);
        try {
            if (node.isNumber()) {
                BigDecimal value = node.decimalValue();
                return ByteQuantity.fromDecimal(value, node.asText());
            }
            if (node.isTextual()) {
                return ByteQuantity.parse(node.textValue());
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new InvalidSpecException(path + "." + key, e.getMessage());
        }
        throw new InvalidSpecException(path + "." + key, "expected " + ByteQuantity.EXPECTED);
    }

    private static JsonNode required(JsonNode parent, String key, String path) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            throw new InvalidSpecException(path + "." + key, "required");
        }
        return node;
    }
}
