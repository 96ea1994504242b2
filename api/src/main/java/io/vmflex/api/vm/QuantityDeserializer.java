package io.vmflex.api.vm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * Reads a Kubernetes-style quantity that may be written as a JSON number or a string ({@code 2},
 * {@code "250m"}, {@code "1Gi"}); booleans, objects and arrays are rejected, and a value the type's
 * own parser refuses becomes Jackson's InvalidFormatException with that parser's message.
 */
abstract class QuantityDeserializer<T> extends StdScalarDeserializer<T> {
    private final Class<T> type;

    QuantityDeserializer(Class<T> type) {
        super(type);
        this.type = type;
    }

    /** @param text the number as written, for the error message */
    abstract T fromNumber(BigDecimal value, String text);

    abstract T fromString(String text);

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonToken token = p.currentToken();
        try {
            if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                return fromNumber(p.getDecimalValue(), p.getText());
            }
            if (token == JsonToken.VALUE_STRING) {
                return fromString(p.getText());
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw InvalidFormatException.from(p, e.getMessage(), p.getText(), type);
        }
        return type.cast(ctxt.handleUnexpectedToken(type, p));
    }
}
