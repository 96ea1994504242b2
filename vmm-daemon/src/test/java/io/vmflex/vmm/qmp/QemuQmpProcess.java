package io.vmflex.vmm.qmp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code qemu-system-x86_64} with no machine and no guest, only a QMP socket, for tests
 * and the benchmark. {@link #close()} kills it if {@code quit} did not end it.
 */
final class QemuQmpProcess implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/qemu-system-x86_64");

    private final Process process;
    private final Path socket;

    private QemuQmpProcess(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Starts QEMU and waits (at most 10 s) until its QMP socket exists. */
    static QemuQmpProcess start(Path dir) throws IOException, InterruptedException {
        Path socket = dir.resolve("qmp.sock");
        Process process = new ProcessBuilder(List.of(BINARY.toString(),
                "-machine", "none", "-nodefaults", "-display", "none",
                "-qmp", "unix:" + socket + ",server=on,wait=off"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (!process.isAlive()) {
                throw new IOException("qemu exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("qemu.log")));
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("qemu did not create " + socket + " within 10 s");
            }
            Thread.sleep(10); // polling a file QEMU creates; no event to wait on
        }
        return new QemuQmpProcess(process, socket);
    }

    Path socket() {
        return socket;
    }

    Process process() {
        return process;
    }

    @Override
    public void close() {
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
