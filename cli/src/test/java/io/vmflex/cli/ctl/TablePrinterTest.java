package io.vmflex.cli.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TablePrinterTest {

    private static String print(TablePrinter table, String indent) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), indent);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldAlignColumnsWithThreeSpacesWhenCellsDifferInWidth() {
        TablePrinter table = new TablePrinter("NAME", "CPUS", "AGE")
                .row("a", "250m", "5s")
                .row("long-name", "2", "3m");
        assertEquals("""
                NAME        CPUS   AGE
                a           250m   5s
                long-name   2      3m
                """, print(table, ""));
    }

    @Test
    void shouldPrintNoneAndNoTrailingBlanksWhenLastCellsAreShort() {
        TablePrinter table = new TablePrinter("A", "B").row("x", null).row("yy", "");
        assertEquals("  A    B\n  x    <none>\n  yy\n", print(table, "  "));
    }

    @Test
    void shouldRefuseWhenRowWidthDoesNotMatchHeader() {
        assertThrows(IllegalArgumentException.class, () -> new TablePrinter("A", "B").row("only-one"));
    }
}
