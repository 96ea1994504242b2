package io.vmflex.sys.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One cgroup v2 directory and its interface files. Obtained from {@link CgroupV2}.
 *
 * <p>Writes go straight to the interface files, never creating them: a file that is missing
 * means its controller is not enabled here, reported as {@link CgroupControllerMissingException}.
 * Values the kernel rejects surface as an {@link IOException} naming the file and the value.
 *
 * <p>Thread-safe: immutable; concurrent writes to one file are ordered by the kernel.
 */
public final class Cgroup {

    private static final String PROCS = "cgroup.procs";
    private static final String CONTROLLERS = "cgroup.controllers";
    private static final String SUBTREE_CONTROL = "cgroup.subtree_control";
    private static final int MIN_CPU_WEIGHT = 1;
    private static final int MAX_CPU_WEIGHT = 10_000;

    private final Path root;
    private final Path path;

    Cgroup(Path root, Path path) {
        this.root = root;
        this.path = path;
    }

    /** The cgroup's directory. */
    public Path path() {
        return path;
    }

    /** Whether the directory exists. */
    public boolean exists() {
        return Files.isDirectory(path);
    }

    /** Controllers available in this cgroup ({@code cgroup.controllers}). */
    public Set<String> controllers() throws IOException {
        return words(read(CONTROLLERS));
    }

    /** Controllers enabled for this cgroup's children ({@code cgroup.subtree_control}). */
    public Set<String> subtreeControllers() throws IOException {
        return words(read(SUBTREE_CONTROL));
    }

    /**
     * Enables controllers for this cgroup's children by writing {@code +name} to
     * {@code cgroup.subtree_control}, so that children get the controllers' interface files.
     */
    public void enableSubtreeControllers(String... controllers) throws IOException {
        StringBuilder line = new StringBuilder();
        for (String controller : controllers) {
            if (controller.isBlank() || controller.contains(" ")) {
                throw new IllegalArgumentException("bad controller name: '" + controller + "'");
            }
            line.append(line.isEmpty() ? "" : " ").append('+').append(controller);
        }
        write(SUBTREE_CONTROL, line.toString());
    }

    /** Moves process {@code pid} (all its threads) into this cgroup. */
    public void movePid(int pid) throws IOException {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive: " + pid);
        }
        write(PROCS, Integer.toString(pid));
    }

    /** The processes in this cgroup ({@code cgroup.procs}). */
    public List<Integer> pids() throws IOException {
        List<Integer> pids = new ArrayList<>();
        for (String line : read(PROCS).split("\n")) {
            if (!line.isBlank()) {
                pids.add(Integer.parseInt(line.strip()));
            }
        }
        return pids;
    }

    /**
     * Limits CPU time: {@code cpu.max}, {@code quotaUs} per {@code periodUs}.
     *
     * @param quotaUs  microseconds per period (at least 1000), or -1 for no limit
     * @param periodUs period in microseconds, 1000 to 1000000
     */
    public void setCpuMax(long quotaUs, long periodUs) throws IOException {
        CpuLimits.check(quotaUs, periodUs);
        write("cpu.max", (quotaUs == -1 ? "max" : Long.toString(quotaUs)) + " " + periodUs);
    }

    /** Relative CPU share: {@code cpu.weight}, 1 to 10000 (default 100). */
    public void setCpuWeight(int weight) throws IOException {
        if (weight < MIN_CPU_WEIGHT || weight > MAX_CPU_WEIGHT) {
            throw new IllegalArgumentException("cpu weight must be 1..10000: " + weight);
        }
        write("cpu.weight", Integer.toString(weight));
    }

    /** Hard memory limit: {@code memory.max} in bytes, or -1 for no limit. */
    public void setMemoryMax(long bytes) throws IOException {
        if (bytes < -1) {
            throw new IllegalArgumentException("memory limit must be -1 or non-negative: " + bytes);
        }
        write("memory.max", bytes == -1 ? "max" : Long.toString(bytes));
    }

    /**
     * Removes this cgroup ({@code rmdir}); does nothing if it does not exist. The kernel refuses
     * while processes or child cgroups remain (the exception says so).
     */
    public void remove() throws IOException {
        if (path.equals(root)) {
            throw new IllegalStateException("refusing to remove the hierarchy root " + root);
        }
        try {
            Files.deleteIfExists(path);
        } catch (DirectoryNotEmptyException e) {
            throw new IOException("cannot remove " + path + ": it has child cgroups (or, outside cgroupfs, files)", e);
        } catch (FileSystemException e) {
            throw new IOException("cannot remove " + path + ": " + e.getReason()
                    + " (processes still inside, or child cgroups?)", e);
        }
    }

    String read(String fileName) throws IOException {
        return Files.readString(path.resolve(fileName), StandardCharsets.US_ASCII);
    }

    private void write(String fileName, String value) throws IOException {
        Path file = path.resolve(fileName);
        if (!Files.exists(file)) {
            throw missing(file, fileName);
        }
        try {
            // No CREATE: on cgroupfs only the kernel creates interface files.
            Files.writeString(file, value, StandardCharsets.US_ASCII,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (NoSuchFileException e) {
            throw missing(file, fileName);
        } catch (IOException e) {
            throw new IOException("writing '" + value + "' to " + file + " failed: " + e.getMessage(), e);
        }
    }

    private IOException missing(Path file, String fileName) {
        if (!Files.isDirectory(path)) {
            return new NoSuchFileException(path.toString(), null, "cgroup does not exist");
        }
        String controller = fileName.substring(0, fileName.indexOf('.'));
        if (controller.equals("cgroup")) {
            return new NoSuchFileException(file.toString(), null, "not a cgroup v2 directory");
        }
        String offered;
        try {
            Set<String> here = controllers();
            offered = here.contains(controller)
                    ? "available here but not enabled: write +" + controller + " to the parent's " + SUBTREE_CONTROL
                    : "this cgroup offers only: " + (here.isEmpty() ? "no controllers" : String.join(" ", here));
        } catch (IOException e) {
            offered = "cannot read " + CONTROLLERS + ": " + e.getMessage();
        }
        return new CgroupControllerMissingException(file, controller, offered);
    }

    private static Set<String> words(String text) {
        Set<String> words = new LinkedHashSet<>(Arrays.asList(text.strip().split("\\s+")));
        words.remove("");
        return words;
    }

    @Override
    public String toString() {
        return "Cgroup[" + path + "]";
    }
}
