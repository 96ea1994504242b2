package io.vmflex.cli.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

class QuantitiesTest {

    @Test
    void shouldUseLargestExactBinaryUnitWhenFormattingBytes() {
        assertEquals("256Mi", Quantities.bytes(256L << 20));
        assertEquals("1Gi", Quantities.bytes(1L << 30));
        assertEquals("1536Mi", Quantities.bytes(1536L << 20));
        assertEquals("4Ki", Quantities.bytes(4096));
        assertEquals("1000", Quantities.bytes(1000));
        assertEquals("0", Quantities.bytes(0));
    }

    @Test
    void shouldShortenNumbersAndKeepQuantitiesWhenFormattingMemory() {
        assertEquals("2Gi", Quantities.memory(LongNode.valueOf(2L << 30)));
        assertEquals("2Gi", Quantities.memory(TextNode.valueOf("2147483648")));
        assertEquals("1Gi", Quantities.memory(TextNode.valueOf("1Gi")));
        assertNull(Quantities.memory(MissingNode.getInstance()));
    }

    @Test
    void shouldWriteMillicoresWhenCpuIsFractional() {
        assertEquals("250m", Quantities.cpu(DoubleNode.valueOf(0.25)));
        assertEquals("2", Quantities.cpu(IntNode.valueOf(2)));
        assertEquals("1500m", Quantities.cpu(TextNode.valueOf("1.5")));
        assertEquals("250m", Quantities.cpu(TextNode.valueOf("250m")));
        assertEquals("1", Quantities.cpu(TextNode.valueOf("1000m")));
        assertEquals("lots", Quantities.cpu(TextNode.valueOf("lots")));
    }

    @Test
    void shouldParseCpuAmountsWhenWrittenAnyKubernetesWay() {
        assertEquals(2000, Quantities.parseCpuMillis("2"));
        assertEquals(500, Quantities.parseCpuMillis("0.5"));
        assertEquals(250, Quantities.parseCpuMillis("250m"));
        assertThrows(IllegalArgumentException.class, () -> Quantities.parseCpuMillis("0.0005"));
        assertThrows(IllegalArgumentException.class, () -> Quantities.parseCpuMillis("two"));
    }

    @Test
    void shouldWriteWholeCpusAsIntegersWhenBuildingSpecValues() {
        assertEquals("2", Quantities.millisToCpus(2000).toString());
        assertEquals("10", Quantities.millisToCpus(10_000).toString());
        assertEquals("0.25", Quantities.millisToCpus(250).toString());
        assertEquals("1.5", Quantities.millisToCpus(1500).toString());
    }

    @Test
    void shouldParseBinaryAndDecimalSuffixesWhenReadingBytes() {
        assertEquals(1L << 30, Quantities.parseBytes("1Gi"));
        assertEquals(512L << 20, Quantities.parseBytes("512Mi"));
        assertEquals(1_000_000_000L, Quantities.parseBytes("1G"));
        assertEquals(1536L << 20, Quantities.parseBytes("1.5Gi"));
        assertEquals(42, Quantities.parseBytes("42"));
        assertThrows(IllegalArgumentException.class, () -> Quantities.parseBytes("1Qi"));
    }
}
