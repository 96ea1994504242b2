package io.vmflex.api.validation;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class StrictJsonTest {

    record Sample(String name, int count, String note) {
    }

    private static Sample read(String json) {
        return StrictJson.read(json.getBytes(StandardCharsets.UTF_8), Sample.class, 1024);
    }

    @Test
    void shouldReadEveryFieldAndWriteNullsExplicitly() throws Exception {
        assertEquals(new Sample("a", 2, null), read("{\"name\":\"a\",\"count\":2,\"note\":null}"));
        assertEquals("{\"name\":\"a\",\"count\":2,\"note\":null}",
                StrictJson.mapper().writeValueAsString(new Sample("a", 2, null)));
    }

    @Test
    void shouldNameTheMissingFieldInsteadOfDefaultingIt() {
        InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> read("{\"name\":\"a\",\"note\":null}"));
        assertTrue(e.getMessage().contains("count"), e.getMessage());
    }

    @Test
    void shouldRefuseUnknownFieldsCoercionAndOversizedMessages() {
        assertTrue(assertThrows(InvalidSpecException.class,
                () -> read("{\"name\":\"a\",\"count\":2,\"note\":null,\"x\":1}")).getMessage().contains("x"));
        assertTrue(assertThrows(InvalidSpecException.class,
                () -> read("{\"name\":\"a\",\"count\":\"2\",\"note\":null}")).getMessage().contains("count"));
        byte[] big = ("{\"name\":\"" + "a".repeat(2000) + "\",\"count\":1,\"note\":null}").getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(InvalidSpecException.class, () -> StrictJson.read(big, Sample.class, 1024))
                .getMessage().contains("exceeds the 1024 byte cap"));
    }
}
