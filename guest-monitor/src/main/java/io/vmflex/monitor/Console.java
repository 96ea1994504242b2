package io.vmflex.monitor;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Lines on the guest console ({@code vmflex-monitor: ...}, stderr). Repeated problems are printed
 * once per key until {@link #clear} says the condition went away, so a host that stays away for
 * hours does not flood the console (which the host logs and parses).
 *
 * <p>Thread-safe.
 */
public final class Console {
    private final PrintStream out;
    private final Map<String, String> shown = new HashMap<>();

    public Console(PrintStream out) {
        this.out = out;
    }

    public synchronized void info(String line) {
        out.println("vmflex-monitor: " + line);
        out.flush();
    }

    /** Prints {@code line} unless the same line was last printed under {@code key}. */
    public synchronized void once(String key, String line) {
        if (!line.equals(shown.put(key, line))) {
            info(line);
        }
    }

    public synchronized void clear(String key) {
        shown.remove(key);
    }
}
