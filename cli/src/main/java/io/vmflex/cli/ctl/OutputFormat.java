package io.vmflex.cli.ctl;

import java.util.Locale;

/** The {@code -o} values vmctl understands. */
enum OutputFormat {
    TABLE, WIDE, JSON, YAML, NAME;

    /** Parses an {@code -o} value; null means the default table. */
    static OutputFormat parse(String value) {
        if (value == null) {
            return TABLE;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "wide" -> WIDE;
            case "json" -> JSON;
            case "yaml" -> YAML;
            case "name" -> NAME;
            default -> throw new IllegalArgumentException(
                    "unable to match a printer suitable for the output format \"" + value
                            + "\", allowed formats are: json, name, wide, yaml");
        };
    }
}
