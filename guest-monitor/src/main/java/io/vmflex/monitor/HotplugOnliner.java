package io.vmflex.monitor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Brings hot-plugged CPUs and memory blocks online: every {@code cpuN/online} reading {@code 0}
 * gets {@code 1}, every {@code memoryN/state} reading {@code offline} gets {@code online_movable}
 * (ZONE_MOVABLE, so virtio-mem can unplug the block again). Polled, because the guest has no
 * udev; a write that fails (already online, raced with another onliner, block being removed) is
 * simply tried again on the next poll.
 *
 * <p>Stateless; one thread calls it.
 */
public final class HotplugOnliner {
    private final Path cpuDir;
    private final Path memoryDir;
    private final boolean cpus;

    public HotplugOnliner(Path sys) {
        this(sys, true);
    }

    /** @param cpus false under SysfsScaling, where an offline CPU is offline on the host's request */
    public HotplugOnliner(Path sys, boolean cpus) {
        this.cpuDir = sys.resolve("devices/system/cpu");
        this.memoryDir = sys.resolve("devices/system/memory");
        this.cpus = cpus;
    }

    /** One pass; returns how many CPUs and memory blocks it onlined. */
    public int onlineOnce() {
        return (cpus ? pass(cpuDir, "cpu", "online", "0", "1") : 0)
                + pass(memoryDir, "memory", "state", "offline", "online_movable");
    }

    private static int pass(Path dir, String prefix, String file, String offValue, String onValue) {
        int done = 0;
        // A filter, not a glob: a glob compiles to a java.util.regex Pattern on every call.
        DirectoryStream.Filter<Path> numbered = new DirectoryStream.Filter<>() {
            @Override
            public boolean accept(Path p) {
                String name = p.getFileName().toString();
                return name.length() > prefix.length() && name.startsWith(prefix)
                        && Character.isDigit(name.charAt(prefix.length()));
            }
        };
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, numbered)) {
            for (Path e : entries) {
                Path f = e.resolve(file);
                try {
                    if (Files.readString(f).trim().equals(offValue)) {
                        Files.writeString(f, onValue);
                        done++;
                    }
                } catch (IOException ignored) {
                    // Not hot-pluggable (cpu0 has no "online"), mid-removal, or refused: next poll.
                }
            }
        } catch (IOException ignored) {
            // No such sysfs directory (kernel without memory hotplug): nothing to online.
        }
        return done;
    }
}
