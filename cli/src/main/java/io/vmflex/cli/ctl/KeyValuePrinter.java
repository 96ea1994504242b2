package io.vmflex.cli.ctl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints {@code Key:  value} lines with the values aligned, as in {@code kubectl describe}. A
 * multi-line value continues under the first. Not thread-safe: build, then print once.
 */
final class KeyValuePrinter {

    private record Entry(String key, String value) {
    }

    private final String indent;
    private final List<Entry> entries = new ArrayList<>();

    KeyValuePrinter(String indent) {
        this.indent = indent;
    }

    /** Adds a line; a null value prints as {@code <none>}. */
    KeyValuePrinter add(String key, String value) {
        entries.add(new Entry(key, value == null ? "<none>" : value));
        return this;
    }

    void print(PrintStream out) {
        int width = entries.stream().mapToInt(e -> e.key().length() + 1).max().orElse(0) + 2;
        for (Entry e : entries) {
            String[] lines = e.value().split("\n", -1);
            out.println((indent + padRight(e.key() + ":", width) + lines[0]).stripTrailing());
            for (int i = 1; i < lines.length; i++) {
                out.println((indent + " ".repeat(width) + lines[i]).stripTrailing());
            }
        }
    }

    private static String padRight(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
