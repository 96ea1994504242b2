package io.vmflex.api.validation;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reads protocol messages (records) with the API's strict rules and one more: every field of the
 * record must be present, so a peer that leaves one out gets an error naming it instead of a
 * silent default. Failures are {@link InvalidSpecException}s with a dotted field path and a
 * one-line detail. Written messages carry every field, a missing value as {@code null}. Use {@link Manifests} for VirtualMachine documents, whose optional fields may be
 * left out.
 *
 * <p>Stateless, thread-safe.
 */
public final class StrictJson {

    // Nulls are written, not left out: a reader requires every field, a nullable one as null.
    private static final ObjectMapper MAPPER = ApiMapper.json().copy()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .setDefaultPropertyInclusion(JsonInclude.Include.ALWAYS);

    private StrictJson() {
    }

    /** The mapper: write messages with it too, so that what one side writes the other reads. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Parses {@code json} (at most {@code maxBytes}) as one {@code type}. */
    public static <T> T read(byte[] json, Class<T> type, int maxBytes) {
        if (json.length > maxBytes) {
            throw new InvalidSpecException("", "message of " + json.length + " bytes exceeds the " + maxBytes + " byte cap");
        }
        try (JsonParser parser = MAPPER.createParser(json)) {
            return read(parser, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Converts a tree as one {@code type}, with the same rules. */
    public static <T> T fromTree(JsonNode tree, Class<T> type) {
        try (JsonParser parser = MAPPER.treeAsTokens(tree)) {
            return read(parser, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(JsonParser parser, Class<T> type) throws IOException {
        T value;
        try {
            value = MAPPER.readValue(parser, type);
        } catch (JacksonException e) {
            throw JacksonErrors.translate(e, MAPPER, "JSON");
        }
        if (value == null) {
            throw new InvalidSpecException("", "expected a " + type.getSimpleName() + " object, got null");
        }
        return value;
    }
}
