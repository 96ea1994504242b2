package io.vmflex.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes files of a fake /proc or /sys tree under a temp dir. */
final class FakeTree {
    private FakeTree() {
    }

    static Path write(Path root, String relative, String content) {
        try {
            Path p = root.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path root, String relative) {
        try {
            return Files.readString(root.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A guest with MemTotal 1000 MiB of which {@code usedMib} are not available. */
    static void meminfo(Path proc, long usedMib) {
        write(proc, "meminfo", "MemTotal:        " + 1000 * 1024 + " kB\n"
                + "MemFree:           1000 kB\n"
                + "MemAvailable:     " + (1000 - usedMib) * 1024 + " kB\n"
                + "Buffers:              0 kB\n"
                + "Cached:           20480 kB\n"
                + "SwapCached:           0 kB\n");
    }
}
