package io.vmflex.migration.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Builds and runs {@code src/test/c/relaypath.c}: the bench's path done in C, as the floor of what any
 * relay can reach on this machine. Stateless.
 */
final class CBaseline {

    private static final Path SOURCE = Path.of("src/test/c/relaypath.c");
    private static final Path BINARY = Path.of("target/relaypath");

    private CBaseline() {
    }

    /** Compiles the program with gcc; null (and a note) when gcc or the source is missing. */
    static Path build() throws IOException, InterruptedException {
        if (!Files.exists(SOURCE)) {
            System.out.println("note: " + SOURCE + " not found (run from migration/): no C baseline");
            return null;
        }
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-pthread", "-o", BINARY.toString(), SOURCE.toString())
                    .inheritIO().start();
        } catch (IOException e) {
            System.out.println("note: gcc not available (" + e.getMessage() + "): no C baseline");
            return null;
        }
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IOException("gcc failed on " + SOURCE);
        }
        return BINARY;
    }

    /** Runs one transfer; {@code mode} is {@code copy} or {@code splice}. */
    static RelayBenchResult run(Path binary, String mode, long bytes, int buffer) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), mode, Long.toString(bytes), Integer.toString(buffer))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("relaypath " + mode + " failed: " + out);
        }
        String[] f = out.split(" ");
        long nanos = Long.parseLong(f[2]);
        long cpu = Long.parseLong(f[3]);
        double cpuPerGib = cpu / 1e6 / (bytes / (double) (1L << 30));
        return new RelayBenchResult("c-" + mode, bytes, nanos,
                String.format(Locale.ROOT, "| hop CPU %.0f ms/GiB (both hops) | buffer/pipe %d", cpuPerGib, buffer), cpu, -1);
    }
}
