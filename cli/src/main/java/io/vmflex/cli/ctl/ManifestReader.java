package io.vmflex.cli.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a manifest file into the VirtualMachine objects it holds: a JSON object, a JSON or YAML
 * {@code kind: List} with {@code items}, or a multi-document YAML stream (empty documents skipped).
 * Each object must name itself in {@code metadata.name} and be a VirtualMachine if it says its
 * kind. Stateless.
 */
final class ManifestReader {

    /** One object to apply, and where it came from for error messages. */
    record Manifest(String name, JsonNode object, String origin) {
    }

    private ManifestReader() {
    }

    /**
     * @param source the file name as the user typed it, for messages
     * @throws CliException naming the document when one cannot be parsed or applied
     */
    static List<Manifest> read(String text, String source) {
        List<JsonNode> documents = parseDocuments(text, source);
        List<Manifest> manifests = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            String origin = documents.size() == 1 ? source : source + " (document " + (i + 1) + ")";
            expand(documents.get(i), origin, manifests);
        }
        if (manifests.isEmpty()) {
            throw new CliException("no objects passed to apply: " + source + " is empty");
        }
        return manifests;
    }

    private static List<JsonNode> parseDocuments(String text, String source) {
        String trimmed = text.stripLeading();
        try {
            if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
                return List.of(Json.JSON.readTree(trimmed));
            }
            List<JsonNode> documents = new ArrayList<>();
            try (MappingIterator<JsonNode> it = Json.YAML.readerFor(JsonNode.class).readValues(text)) {
                while (it.hasNextValue()) {
                    JsonNode document = it.nextValue();
                    if (!isEmpty(document)) {
                        documents.add(document);
                    }
                }
            }
            return documents;
        } catch (JsonProcessingException e) {
            throw new CliException("cannot parse " + source + ": " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException | RuntimeException e) {
            throw new CliException("cannot parse " + source + ": " + e.getMessage());
        }
    }

    // An empty YAML document ("---" followed by comments only) reads as null or as "".
    private static boolean isEmpty(JsonNode document) {
        return document == null || document.isNull() || document.isMissingNode()
                || (document.isTextual() && document.asText().isBlank());
    }

    private static void expand(JsonNode document, String origin, List<Manifest> into) {
        if (document.isArray()) {
            document.forEach(item -> expand(item, origin, into));
            return;
        }
        if (!document.isObject()) {
            throw new CliException(origin + " is not an object");
        }
        String kind = document.path("kind").asText("");
        if (kind.endsWith("List") && document.path("items").isArray()) {
            document.path("items").forEach(item -> expand(item, origin, into));
            return;
        }
        if (!kind.isEmpty() && !kind.equals("VirtualMachine")) {
            throw new CliException(origin + ": kind \"" + kind + "\" cannot be applied by vmctl (want VirtualMachine)");
        }
        JsonNode name = document.path("metadata").path("name");
        if (!name.isTextual() || name.asText().isBlank()) {
            throw new CliException(origin + ": metadata.name is required");
        }
        into.add(new Manifest(name.asText(), document, origin));
    }
}
