package io.vmflex.vmm.console;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A guest's serial console kept on disk with a hard size cap: {@code console.log} grows to
 * {@code maxBytes}, then becomes {@code console.log.1} (replacing the older one) and a new file
 * starts. A guest that prints without end therefore costs at most twice the cap.
 *
 * <p>Thread-safe: one reader thread appends, API threads read the tail and register followers.
 * Followers are called on the appending thread and must not block.
 */
public final class ConsoleLog implements AutoCloseable {
    private final Path file;
    private final Path rotated;
    private final long maxBytes;
    private final List<Consumer<byte[]>> followers = new CopyOnWriteArrayList<>();
    private OutputStream out;
    private long size;

    public ConsoleLog(Path file, long maxBytes) throws IOException {
        this.file = file;
        this.rotated = file.resolveSibling(file.getFileName() + ".1");
        this.maxBytes = maxBytes;
        this.size = Files.exists(file) ? Files.size(file) : 0;
        this.out = open();
    }

    private OutputStream open() throws IOException {
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public synchronized void append(byte[] data, int offset, int length) throws IOException {
        if (size + length > maxBytes) {
            out.close();
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
            out = open();
            size = 0;
        }
        out.write(data, offset, length);
        out.flush();
        size += length;
        if (!followers.isEmpty()) {
            byte[] copy = java.util.Arrays.copyOfRange(data, offset, offset + length);
            for (Consumer<byte[]> f : followers) {
                f.accept(copy);
            }
        }
    }

    /** The last {@code lines} lines kept (both files), or everything kept when lines < 0. */
    public synchronized String tail(int lines) throws IOException {
        out.flush();
        StringBuilder all = new StringBuilder();
        if (Files.exists(rotated)) {
            all.append(Files.readString(rotated, StandardCharsets.ISO_8859_1));
        }
        if (Files.exists(file)) {
            all.append(Files.readString(file, StandardCharsets.ISO_8859_1));
        }
        if (lines < 0) {
            return all.toString();
        }
        if (lines == 0) {
            return "";
        }
        int end = all.length();
        int pos = end;
        int seen = 0;
        // A trailing newline ends the last line; it does not start an empty one.
        if (pos > 0 && all.charAt(pos - 1) == '\n') {
            pos--;
        }
        while (pos > 0) {
            if (all.charAt(pos - 1) == '\n' && ++seen == lines) {
                break;
            }
            pos--;
        }
        return all.substring(pos, end);
    }

    /** How many followers are registered. */
    public int followers() {
        return followers.size();
    }

    /** Registers a follower of new output; the returned handle removes it. */
    public AutoCloseable follow(Consumer<byte[]> follower) {
        followers.add(follower);
        return () -> followers.remove(follower);
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
