package io.vmflex.vmm.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the host's mkfs.ext4 on a regular file (no root, no loop device needed). */
class DataDiskFilesTest {
    private static final long SIZE = 64L << 20;
    /** ext4's superblock starts at byte 1024; its magic 0xEF53 is at offset 56 in it, little-endian. */
    private static final long MAGIC_OFFSET = 1024 + 56;

    private static DataDisks plan(Path dir) {
        return new DataDisks(List.of(new DataDisks.Drive("data", "data-data", "vmflex-data0", dir.resolve("disk-data.raw"),
                SIZE, false, false, "/data")), List.of());
    }

    private static byte[] read(Path file, long offset, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[n];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    /** 512-byte blocks the file has on disk (the JDK does not say). */
    private static long allocatedBlocks(Path file) throws IOException {
        Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
        return Long.parseLong(new String(p.getInputStream().readAllBytes()).strip());
    }

    @Test
    void shouldMakeASparseExt4FileOfTheDisksSize(@TempDir Path dir) throws IOException {
        DataDisks plan = plan(dir);
        DataDiskFiles.ensure(plan, true);
        Path file = dir.resolve("disk-data.raw");
        assertEquals(SIZE, Files.size(file));
        assertArrayEquals(new byte[] {0x53, (byte) 0xEF}, read(file, MAGIC_OFFSET, 2), "no ext4 superblock");
        assertFalse(Files.exists(dir.resolve("disk-data.raw.tmp")));
        long allocatedBlocks = allocatedBlocks(file);
        assertTrue(allocatedBlocks * 512 < SIZE / 2, "not sparse: " + allocatedBlocks * 512 + " bytes allocated");
    }

    @Test
    void shouldMakeTheSwapDiskSparseAndBlankForTheGuestToFormat(@TempDir Path dir) throws IOException {
        Path swap = dir.resolve("swap.raw");
        DataDiskFiles.ensure(new DataDisks(List.of(), List.of(), new DataDisks.Swap(swap, SIZE)), true);
        assertEquals(SIZE, Files.size(swap));
        assertEquals(0, allocatedBlocks(swap), "the host wrote into the swap disk");
    }

    @Test
    void shouldNeverTouchAnExistingDisk(@TempDir Path dir) throws IOException {
        DataDisks plan = plan(dir);
        DataDiskFiles.ensure(plan, true);
        Path file = dir.resolve("disk-data.raw");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(SIZE - 4);
            f.write(new byte[] {1, 2, 3, 4});
        }
        DataDiskFiles.ensure(plan, true);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, read(file, SIZE - 4, 4));
    }

    @Test
    void shouldLeaveAMigrationTargetsDiskEmpty(@TempDir Path dir) throws IOException {
        DataDiskFiles.ensure(plan(dir), false);
        Path file = dir.resolve("disk-data.raw");
        assertEquals(SIZE, Files.size(file));
        assertArrayEquals(new byte[2], read(file, MAGIC_OFFSET, 2));
    }

    @Test
    void shouldRemoveAHalfMadeDiskWhenFormattingFails(@TempDir Path dir) throws IOException {
        // Too small for ext4: mkfs.ext4 refuses it.
        DataDisks tiny = new DataDisks(List.of(new DataDisks.Drive("data", "data-data", "vmflex-data0",
                dir.resolve("disk-data.raw"), 4096, false, false, "/data")), List.of());
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> DataDiskFiles.ensure(tiny, true));
        assertTrue(e.getMessage().startsWith("cannot make data disk data ("), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }
}
