package io.vmflex.vmm.console;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds OOM kills and kernel panics in a guest's console output, fed as the bytes arrive (split
 * anywhere). Lines are cut at {@value #MAX_LINE} characters, so a guest that never prints a newline
 * costs a bounded buffer. Matches the kernel's own wording, with or without the printk timestamp:
 * <pre>
 * [   42.1] Out of memory: Killed process 312 (postgres) total-vm:...
 * [   42.1] Memory cgroup out of memory: Killed process 312 (postgres) ...
 * [    1.9] Kernel panic - not syncing: System is deadlocked on memory
 * </pre>
 *
 * <p>Not thread-safe: owned by the VM's console reader.
 */
public final class GuestIncidentDetector {
    public static final int MAX_LINE = 512;

    private static final Pattern OOM =
            Pattern.compile("(Memory cgroup )?[Oo]ut of memory: Killed process (\\d{1,9}) \\(([^)]{0,64})\\)");
    private static final Pattern PANIC = Pattern.compile("Kernel panic - not syncing: ?(.{0,200})");

    private final StringBuilder line = new StringBuilder();
    private boolean overlong;

    /** The incidents completed by these bytes, in order (usually none). */
    public List<GuestIncident> feed(byte[] bytes, int offset, int length) {
        List<GuestIncident> found = List.of();
        String text = new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                GuestIncident incident = overlong ? null : classify(line.toString().strip());
                if (incident != null) {
                    if (found.isEmpty()) {
                        found = new ArrayList<>(1);
                    }
                    found.add(incident);
                }
                line.setLength(0);
                overlong = false;
            } else if (line.length() < MAX_LINE) {
                line.append(c >= ' ' && c < 0x7f ? c : '?');
            } else {
                // A line this long is not the kernel's: drop it whole rather than match a prefix.
                overlong = true;
            }
        }
        return found;
    }

    static GuestIncident classify(String text) {
        Matcher oom = OOM.matcher(text);
        if (oom.find()) {
            return new GuestIncident.OomKill(text, Integer.parseInt(oom.group(2)), oom.group(3), oom.group(1) != null);
        }
        Matcher panic = PANIC.matcher(text);
        if (panic.find()) {
            return new GuestIncident.KernelPanic(text, panic.group(1).strip());
        }
        return null;
    }
}
