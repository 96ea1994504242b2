package io.vmflex.api.permit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FieldsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "pg-1", "node-1.example", "0", "ns/pg-1", "ns-2/pg.1", "a--b"})
    void shouldAcceptNameWhenKubernetesStyle(String name) {
        assertTrue(Fields.isName(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", "a-", ".a", "a.", "A", "pg_1", "pg 1", "/a", "a/", "a/b/c", "n.s/a", "ä", "a/-b"})
    void shouldRefuseNameWhenNotKubernetesStyle(String name) {
        assertFalse(Fields.isName(name), name);
    }
}
