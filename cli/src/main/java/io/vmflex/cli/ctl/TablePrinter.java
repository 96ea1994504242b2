package io.vmflex.cli.ctl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints rows as left-aligned columns separated by three spaces, like kubectl's tables. The last
 * column is not padded, so lines carry no trailing blanks. Not thread-safe: build, then print once.
 */
final class TablePrinter {

    private static final String GAP = "   ";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    TablePrinter(List<String> headers) {
        this.headers = List.copyOf(headers);
    }

    TablePrinter(String... headers) {
        this(List.of(headers));
    }

    /** Adds a row; null cells print as {@code <none>}. Row width must match the header. */
    TablePrinter row(List<String> cells) {
        if (cells.size() != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, table has " + headers.size());
        }
        rows.add(cells.stream().map(c -> c == null ? "<none>" : c).toList());
        return this;
    }

    TablePrinter row(String... cells) {
        return row(Arrays.asList(cells));
    }

    int size() {
        return rows.size();
    }

    void print(PrintStream out) {
        print(out, "");
    }

    /** Prints with every line starting with {@code indent}, for tables inside a description. */
    void print(PrintStream out, String indent) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        printLine(out, indent, headers, widths);
        for (List<String> row : rows) {
            printLine(out, indent, row, widths);
        }
        out.flush();
    }

    private static void printLine(PrintStream out, String indent, List<String> cells, int[] widths) {
        out.println(indent + line(cells, widths));
    }

    /**
     * One line of cells padded to {@code widths} (a wider cell pushes the rest right), for output
     * that cannot know its rows in advance (a watch).
     */
    static String line(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            line.append(cell);
            if (i < cells.size() - 1) {
                line.append(" ".repeat(Math.max(0, widths[i] - cell.length()))).append(GAP);
            }
        }
        return line.toString().stripTrailing();
    }
}
