package io.vmflex.vmm.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Makes the files of a VM's emptyDisks ({@link DataDisks.Drive}) and its swap disk that do not exist yet:
 * a sparse raw file of the disk's size, an emptyDisk's formatted ext4 by running {@code mkfs.ext4} on the file itself (no loop
 * device, no mount). Made under a temporary name and renamed into place, so a crash halfway leaves
 * no disk that looks made. An existing file is the VM's data and is never touched.
 *
 * <p>Stateless; thread-safe (each VM's files are made by its own owner).
 */
public final class DataDiskFiles {
    private static final List<Path> MKFS_CANDIDATES = List.of(Path.of("/usr/sbin/mkfs.ext4"), Path.of("/sbin/mkfs.ext4"));

    private DataDiskFiles() {
    }

    /**
     * Makes every missing disk file.
     *
     * @param format true: a new VM's disk, formatted; false: a migration target's disk, left empty for
     *               the source's mirror to fill
     * @throws IllegalArgumentException with one line saying which disk could not be made and why
     */
    public static void ensure(DataDisks disks, boolean format) {
        for (DataDisks.Drive d : disks.drives()) {
            make(d.file(), d.sizeBytes(), format ? d.serial() : null, "data disk " + d.name());
        }
        if (disks.swap() != null) {
            // Never formatted here: the guest runs mkswap on it at every boot.
            make(disks.swap().file(), disks.swap().sizeBytes(), null, "swap disk");
        }
    }

    /** Makes {@code file} sparse, of {@code size}, formatted ext4 with {@code label} unless null; an existing file stays. */
    private static void make(Path file, long size, String label, String what) {
        if (Files.exists(file)) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
                f.setLength(size);
            }
            if (label != null) {
                mkfs(tmp, label);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new IllegalArgumentException("cannot make " + what + " (" + file + "): " + e.getMessage());
        } catch (IllegalArgumentException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void mkfs(Path file, String label) throws IOException {
        // -F: the target is a regular file. The lazy init flags keep a large disk's format quick (the
        // guest's kernel zeroes the inode tables in the background); nodiscard: the file is sparse already.
        List<String> argv = List.of(mkfsBinary(), "-q", "-F", "-m", "0", "-L", label,
                "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", file.toString());
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("mkfs.ext4 failed: " + out.replace('\n', ' '));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while formatting");
        }
    }

    private static String mkfsBinary() {
        for (Path p : MKFS_CANDIDATES) {
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return "mkfs.ext4"; // from PATH; a missing one fails the start with its name in the message
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover .tmp is replaced at the next attempt
        }
    }
}
