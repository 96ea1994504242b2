package io.vmflex.sys.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * A cgroup v2 hierarchy rooted at a directory: normally the cgroup2 mount ({@link #detectRoot()}),
 * in tests any directory tree laid out like one.
 *
 * <p>Relative paths name cgroups below the root ({@code "vmflex/vm-1"}); they must not be absolute
 * or contain {@code ".."}.
 *
 * <p>Thread-safe: immutable; the file system is the only state.
 */
public final class CgroupV2 {

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private final Path root;

    /** A hierarchy rooted at {@code root} (for example {@code /sys/fs/cgroup}). */
    public CgroupV2(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    /**
     * Where cgroup2 is mounted, from {@code /proc/self/mountinfo}: {@code /sys/fs/cgroup} on a
     * unified host, {@code /sys/fs/cgroup/unified} on a hybrid one; empty when not mounted.
     */
    public static Optional<Path> detectRoot() throws IOException {
        return detectRoot(MOUNTINFO);
    }

    /** Like {@link #detectRoot()}, from a mountinfo-format file. */
    public static Optional<Path> detectRoot(Path mountinfo) throws IOException {
        return Mountinfo.firstMountOf(Files.readString(mountinfo), "cgroup2");
    }

    /** The controllers this hierarchy offers: the root's {@code cgroup.controllers}. */
    public Set<String> availableControllers() throws IOException {
        return rootCgroup().controllers();
    }

    /** The root cgroup itself. */
    public Cgroup rootCgroup() {
        return new Cgroup(root, root);
    }

    /** A handle on the cgroup at {@code relativePath}, which may or may not exist. */
    public Cgroup cgroup(String relativePath) {
        return new Cgroup(root, resolve(relativePath));
    }

    /**
     * Creates the cgroup at {@code relativePath} and any missing parents ({@code mkdir -p});
     * succeeds if it already exists.
     */
    public Cgroup create(String relativePath) throws IOException {
        Cgroup cgroup = cgroup(relativePath);
        Files.createDirectories(cgroup.path());
        return cgroup;
    }

    private Path resolve(String relativePath) {
        Path relative = Path.of(relativePath);
        if (relative.isAbsolute() || relativePath.isBlank()) {
            throw new IllegalArgumentException("cgroup path must be relative and non-empty: '" + relativePath + "'");
        }
        for (Path part : relative) {
            if (part.toString().equals("..") || part.toString().equals(".")) {
                throw new IllegalArgumentException("cgroup path must not contain '.' or '..': " + relativePath);
            }
        }
        return root.resolve(relative);
    }

    @Override
    public String toString() {
        return "CgroupV2[" + root + "]";
    }
}
