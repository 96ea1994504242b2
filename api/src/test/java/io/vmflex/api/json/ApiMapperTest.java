package io.vmflex.api.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.EnvVar;
import io.vmflex.api.vm.ExtraNetwork;
import io.vmflex.api.vm.Port;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ApiMapperTest {

    private final ObjectMapper json = ApiMapper.json();

    @Test
    void shouldRejectNumberWhenStringExpected() {
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"name\":\"A\",\"value\":1}", EnvVar.class));
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"name\":true}", EnvVar.class));
    }

    @Test
    void shouldRejectStringOrFloatWhenIntegerExpected() throws Exception {
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"port\":\"80\"}", Port.class));
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"port\":80.5}", Port.class));
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"port\":80.0}", Port.class));
        assertEquals(80, json.readValue("{\"port\":80}", Port.class).port());
    }

    @Test
    void shouldRejectStringOrNumberWhenBooleanExpected() {
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"enable\":\"true\"}", ExtraNetwork.class));
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"enable\":1}", ExtraNetwork.class));
    }

    @Test
    void shouldRejectEnumWhenCaseDiffersOrNumeric() {
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"port\":1,\"protocol\":\"tcp\"}",
                Port.class));
        assertThrows(MismatchedInputException.class, () -> json.readValue("{\"port\":1,\"protocol\":0}", Port.class));
    }

    @Test
    void shouldWriteIsoTimestampsAndOmitNullsWhenSerializing() throws Exception {
        var c = new Condition("Ready", "True", null, Instant.parse("2024-05-01T12:00:00Z"), "Ok", "fine");
        assertEquals("{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"2024-05-01T12:00:00Z\","
                + "\"reason\":\"Ok\",\"message\":\"fine\"}", json.writeValueAsString(c));
        assertEquals(c, json.readValue(json.writeValueAsString(c), Condition.class));
        assertEquals("{\"interface\":\"net1\"}", json.writeValueAsString(new ExtraNetwork(null, "net1", null)));
    }

    @Test
    void shouldQuoteNumericStringsWhenWritingYaml() throws Exception {
        String yaml = ApiMapper.yaml().writeValueAsString(new EnvVar("PORT", "1"));
        assertEquals("name: PORT\nvalue: \"1\"\n", yaml);
    }
}
