package io.vmflex.api.vm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteQuantityTest {

    @ParameterizedTest
    @CsvSource({"128Mi,134217728", "1Gi,1073741824", "512M,512000000", "1e3,1000", "4096,4096", "1k,1000",
            "1.5Gi,1610612736", "8Ki,8192", "0,0", "1Ti,1099511627776", "+2Mi,2097152", "1500m,2", ".5Ki,512",
            "2E3,2000", "1Ei,1152921504606846976"})
    void shouldParseKubernetesQuantityWhenValid(String text, long bytes) {
        assertEquals(bytes, ByteQuantity.parse(text).bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1Gi", "abc", "", "1K", "1GB", "1 Gi", "Gi", "1gi", "1e400", "9Ei", "1.2.3"})
    void shouldRejectTextWhenNotAByteQuantity(String text) {
        assertThrows(IllegalArgumentException.class, () -> ByteQuantity.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"1Gi,1Gi", "128Mi,128Mi", "1073741824,1Gi", "512M,512M", "1000,1k", "1e3,1k", "1536Mi,1536Mi",
            "4097,4097", "0,0", "8192,8Ki"})
    void shouldWriteCanonicalFormWhenSerialized(String text, String canonical) {
        assertEquals(canonical, ByteQuantity.parse(text).toString());
    }

    @Test
    void shouldBeEqualWhenSameBytesDifferentSpelling() {
        assertEquals(ByteQuantity.parse("1Gi"), ByteQuantity.parse("1024Mi"));
        assertEquals(ByteQuantity.ofMebibytes(256), ByteQuantity.parse("128Mi").times(2));
        assertTrue(ByteQuantity.parse("1G").compareTo(ByteQuantity.parse("1Gi")) < 0);
    }
}
