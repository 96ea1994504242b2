package io.vmflex.api.vm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MilliCpuTest {

    @ParameterizedTest
    @CsvSource({"1,1000", "2,2000", "0.5,500", "250m,250", "1.5,1500", "0.25,250", "1.,1000", "0,0",
            "0.0001,1", "1500m,1500"})
    void shouldParseStringFormsWhenValid(String text, long millis) {
        assertEquals(millis, MilliCpu.parse(text).millis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "abc", "", "1k", "1e3", " 1", "1.5m", "m", "-250m", "0x10", "1Gi"})
    void shouldRejectStringWhenNotACpuAmount(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MilliCpu.parse(text));
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }

    @Test
    void shouldRejectNegativeDecimalWhenGivenAsNumber() {
        assertThrows(IllegalArgumentException.class, () -> MilliCpu.fromDecimal(new BigDecimal("-0.5"), "-0.5"));
    }

    @Test
    void shouldRejectValueWhenAboveUint32() {
        assertThrows(IllegalArgumentException.class, () -> MilliCpu.parse("4294968"));
        assertEquals(MilliCpu.MAX_MILLIS, MilliCpu.parse("4294967295m").millis());
    }

    @Test
    void shouldRoundUpToWholeCpusWhenFractional() {
        assertEquals(1, MilliCpu.parse("250m").ceilCpus());
        assertEquals(2, MilliCpu.parse("1.001").ceilCpus());
        assertEquals(2, MilliCpu.ofCpus(2).ceilCpus());
        assertEquals(0, new MilliCpu(0).ceilCpus());
    }

    @Test
    void shouldWriteWholeAsNumberAndFractionAsMillisWhenSerialized() {
        assertEquals(3, MilliCpu.ofCpus(3).toJson());
        assertEquals("250m", new MilliCpu(250).toJson());
        assertEquals("1500m", MilliCpu.parse("1.5").toString());
        assertEquals("4", MilliCpu.parse("4000m").toString());
    }

    @Test
    void shouldOrderByAmountWhenCompared() {
        assertTrue(MilliCpu.parse("250m").compareTo(MilliCpu.parse("1")) < 0);
        assertEquals(MilliCpu.parse("1"), MilliCpu.parse("1000m"));
    }
}
