package io.vmflex.api.validation;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict parsing of VirtualMachine documents from bytes, and writing them back.
 *
 * <p>Parsing checks the document's shape only (unknown fields, types, value formats); the rules
 * between fields are {@link VmValidator}'s. Every failure is an {@link InvalidSpecException} naming
 * the field, e.g. {@code spec.guest.foo: unknown field} or
 * {@code spec.guest.memorySlots.min: expected an integer, got "abc"}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Manifests {

    private Manifests() {
    }

    /**
     * Parses exactly one VirtualMachine document.
     *
     * @param body the document
     * @param yaml true for YAML (a single document), false for JSON
     * @throws InvalidSpecException if the document is malformed or of the wrong shape
     */
    public static VirtualMachine parse(byte[] body, boolean yaml) {
        ObjectMapper mapper = yaml ? ApiMapper.yaml() : ApiMapper.json();
        try (JsonParser parser = mapper.createParser(body)) {
            VirtualMachine vm;
            try {
                // trailing content is checked below, to say so plainly
                vm = mapper.readerFor(VirtualMachine.class)
                        .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                        .readValue(parser);
                if (vm != null && parser.nextToken() != null) {
                    throw new InvalidSpecException("", yaml
                            ? "expected one YAML document, found more (parse them with parseAll)"
                            : "unexpected content after the JSON object");
                }
            } catch (JacksonException e) {
                // translated while the parser is open: its current token is the offending value
                throw JacksonErrors.translate(e, mapper, yaml ? "YAML" : "JSON");
            }
            if (vm == null) {
                throw new InvalidSpecException("", "expected a VirtualMachine object, got null");
            }
            return vm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses every VirtualMachine in a multi-document YAML stream (documents separated by
     * {@code ---}) or in a JSON text, which may hold one object or a Kubernetes list
     * ({@code kind: List} or {@code VirtualMachineList} with {@code items}).
     *
     * <p>Documents whose {@code kind} is not {@code VirtualMachine} (the Services and ConfigMaps
     * that NeonVM's sample files carry) and empty documents are skipped.
     *
     * @throws InvalidSpecException for the first bad VirtualMachine, its message prefixed with
     *                              {@code document N:} (1-based), or when none is found
     */
    public static List<VirtualMachine> parseAll(byte[] body, boolean yaml) {
        ObjectMapper mapper = yaml ? ApiMapper.yaml() : ApiMapper.json();
        List<JsonNode> documents = new ArrayList<>();
        try (JsonParser parser = mapper.createParser(body)) {
            try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(parser)) {
                while (it.hasNextValue()) {
                    documents.add(it.nextValue());
                }
            } catch (JacksonException e) {
                throw JacksonErrors.translate(e, mapper, yaml ? "YAML" : "JSON").inDocument(documents.size() + 1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<VirtualMachine> vms = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            JsonNode doc = documents.get(i);
            List<JsonNode> candidates = doc.path("items").isArray() && doc.path("kind").asText().endsWith("List")
                    ? List.copyOf(toList(doc.get("items")))
                    : List.of(doc);
            for (JsonNode candidate : candidates) {
                if (!candidate.isObject() || !VirtualMachine.KIND.equals(candidate.path("kind").asText())) {
                    continue;
                }
                try {
                    vms.add(fromTree(candidate));
                } catch (InvalidSpecException e) {
                    throw e.inDocument(i + 1);
                }
            }
        }
        if (vms.isEmpty()) {
            throw new InvalidSpecException("", "no VirtualMachine document found");
        }
        return vms;
    }

    /**
     * Converts a JSON tree (for example a patched document) with the same strict rules as
     * {@link #parse}.
     */
    public static VirtualMachine fromTree(JsonNode tree) {
        ObjectMapper mapper = ApiMapper.json();
        try (JsonParser parser = mapper.treeAsTokens(tree)) {
            VirtualMachine vm;
            try {
                vm = mapper.readValue(parser, VirtualMachine.class);
            } catch (JacksonException e) {
                throw JacksonErrors.translate(e, mapper, "JSON");
            }
            if (vm == null) {
                throw new InvalidSpecException("", "expected a VirtualMachine object, got null");
            }
            return vm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The VM as a JSON tree (what patches apply to), read back from its JSON text so that numbers
     * get the same node types as in a parsed patch (a {@code Long} field holding 5 becomes an
     * IntNode, and a JSON Patch {@code test} of 5 matches it).
     */
    public static JsonNode toTree(VirtualMachine vm) {
        try {
            return ApiMapper.json().readTree(toJson(vm));
        } catch (IOException e) {
            throw new IllegalStateException("cannot re-read a written VirtualMachine", e);
        }
    }

    /** Compact JSON bytes. */
    public static byte[] toJson(VirtualMachine vm) {
        try {
            return ApiMapper.json().writeValueAsBytes(vm);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a VirtualMachine as JSON", e);
        }
    }

    /** YAML text, without a leading document marker. */
    public static String toYaml(VirtualMachine vm) {
        try {
            return ApiMapper.yaml().writeValueAsString(vm);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a VirtualMachine as YAML", e);
        }
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }
}
