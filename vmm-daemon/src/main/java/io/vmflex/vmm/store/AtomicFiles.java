package io.vmflex.vmm.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader, or a daemon restarted after {@code kill -9}, sees either the old
 * content or the new one, never a torn mix: write a temporary sibling, fsync it, rename it over the
 * target, fsync the directory so the rename itself is durable.
 *
 * <p>Thread-safe as long as two threads never write the same path at once (each VM's files have
 * one owner, its supervisor).
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        fsyncDirectory(dir);
    }

    /** Deletes {@code target} if it exists and makes the deletion durable (fsync of its directory). */
    public static void delete(Path target) throws IOException {
        if (Files.deleteIfExists(target)) {
            fsyncDirectory(target.toAbsolutePath().getParent());
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        // Opening a directory for READ and forcing it is how the JDK exposes fsync(dirfd) on Linux.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
