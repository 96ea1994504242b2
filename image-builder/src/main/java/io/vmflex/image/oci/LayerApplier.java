package io.vmflex.image.oci;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Applies one layer (a tar, plain or gzip) to a root directory as a container runtime's overlay
 * would show it: later entries replace earlier ones, {@code .wh.NAME} deletes NAME from the lower
 * layers, {@code .wh..wh..opq} empties a directory of what the lower layers put there. Entries are
 * placed through {@link ScopedPath}, so none lands outside the root; device nodes and FIFOs are
 * skipped (a VM's devtmpfs provides devices). Owner, mode (set-id bits included) and modification
 * time are kept, since the ext4 image is made from the files as they are on disk.
 *
 * <p>Not thread-safe: one layer at a time, per root.
 */
final class LayerApplier {
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final Path root;
    private final long maxBytes;
    private long written;
    private int skippedDevices;

    /** @param maxBytes refuse once the layers together unpack to more than this (a disk-filling bomb) */
    LayerApplier(Path root, long maxBytes) {
        this.root = root;
        this.maxBytes = maxBytes;
    }

    int skippedDevices() {
        return skippedDevices;
    }

    /**
     * Applies {@code layer} and returns the sha256 of its uncompressed tar (the image config's
     * diff_id for it). The whole stream is read, so a caller digesting the raw blob sees all of it.
     */
    Digest apply(InputStream layer, String layerName) throws ImageRefusedException, IOException {
        BufferedInputStream raw = new BufferedInputStream(layer, 64 * 1024);
        raw.mark(4);
        byte[] magic = raw.readNBytes(4);
        raw.reset();
        InputStream tarBytes;
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            tarBytes = new GZIPInputStream(raw, 64 * 1024);
        } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            throw new ImageRefusedException(layerName + " is zstd-compressed, which vmflex does not read yet (gzip or plain tar)");
        } else {
            tarBytes = raw;
        }
        MessageDigest sha = sha256();
        DigestInputStream uncompressed = new DigestInputStream(tarBytes, sha);
        Set<Path> thisLayer = new HashSet<>();
        try {
            TarArchiveInputStream tar = new TarArchiveInputStream(uncompressed);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                applyEntry(tar, entry, thisLayer, layerName);
            }
            uncompressed.transferTo(OutputSink.INSTANCE); // tar's end blocks: part of the diff_id
        } catch (IOException e) {
            if (e.getCause() instanceof ImageRefusedException refused) {
                throw refused;
            }
            throw new ImageRefusedException(layerName + " is not a readable tar: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ImageRefusedException(layerName + " is not a readable tar: " + e.getMessage(), e);
        }
        return Digest.of(sha.digest());
    }

    private void applyEntry(TarArchiveInputStream tar, TarArchiveEntry entry, Set<Path> thisLayer, String layerName)
            throws ImageRefusedException, IOException {
        String name = entry.getName();
        if (name.startsWith("/")) {
            throw new ImageRefusedException(layerName + ": entry " + name + " has an absolute path");
        }
        var parts = ScopedPath.components(name, name);
        if (parts.isEmpty()) {
            return; // "./": the root itself
        }
        String base = parts.getLast();
        String parentName = String.join("/", parts.subList(0, parts.size() - 1));
        Path parent = ScopedPath.resolve(root, parentName, true);
        if (base.equals("..")) {
            throw new ImageRefusedException(layerName + ": entry " + name + " leads outside the image's root");
        }
        if (base.equals(OPAQUE)) {
            if (Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> children = Files.list(parent)) {
                    for (Path child : children.toList()) {
                        if (!thisLayer.contains(child)) {
                            deleteTree(child);
                        }
                    }
                }
            }
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            String hidden = base.substring(WHITEOUT.length());
            if (hidden.isEmpty() || hidden.equals("..") || hidden.equals(".")) {
                throw new ImageRefusedException(layerName + ": whiteout " + name + " names no file");
            }
            deleteTree(parent.resolve(hidden));
            return;
        }
        Path target = parent.resolve(base);
        Files.createDirectories(parent);
        if (entry.isDirectory()) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(target);
            }
            Files.createDirectories(target);
        } else if (entry.isSymbolicLink()) {
            deleteTree(target);
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
            Path source = ScopedPath.resolve(root, entry.getLinkName(), false);
            if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                throw new ImageRefusedException(layerName + ": hard link " + name + " points at " + entry.getLinkName()
                        + ", which is no file of this image");
            }
            deleteTree(target);
            Files.createLink(target, source);
            thisLayer.add(target);
            return; // the link shares its source's inode: its owner and mode are the source's
        } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            skippedDevices++;
            return;
        } else if (entry.isFile()) {
            written += entry.getSize();
            if (written > maxBytes) {
                throw new ImageRefusedException("the image unpacks to more than " + maxBytes + " bytes");
            }
            deleteTree(target);
            Files.copy(tar, target);
        } else {
            throw new ImageRefusedException(layerName + ": entry " + name + " is of an unsupported tar type '"
                    + (char) entry.getLinkFlag() + "'");
        }
        thisLayer.add(target);
        setAttributes(target, entry);
    }

    private static void setAttributes(Path target, TarArchiveEntry entry) throws IOException {
        if (ROOT) {
            Files.setAttribute(target, "unix:uid", (int) entry.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(target, "unix:gid", (int) entry.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        }
        if (!entry.isSymbolicLink()) {
            Files.setAttribute(target, "unix:mode", entry.getMode() & 07777);
        }
        Files.getFileAttributeView(target, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(entry.getLastModifiedTime().toInstant()), null, null);
    }

    /** Deletes a file, link or directory tree without following links. Missing is fine. */
    private static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : children.toList()) {
                    deleteTree(child);
                }
            }
        }
        Files.deleteIfExists(path);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    /** Discards bytes. */
    static final class OutputSink extends java.io.OutputStream {
        static final OutputSink INSTANCE = new OutputSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
