package io.vmflex.sys.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Optional;

/**
 * Reads {@code /proc/<pid>/mountinfo} lines, which look like
 * <pre>
 *  41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
 *  id parent dev root mountpoint options [optional fields...] - fstype source superoptions
 * </pre>
 * Paths escape space, tab, newline and backslash as three-digit octal ({@code \040}).
 *
 * <p>Stateless; thread-safe.
 */
final class Mountinfo {

    private static final int MOUNT_POINT_FIELD = 4;

    private Mountinfo() {
    }

    /** The mount point of the first mount of {@code fsType}, if any. */
    static Optional<Path> firstMountOf(String mountinfo, String fsType) {
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.strip().split(" ");
            int separator = Arrays.asList(fields).indexOf("-");
            if (separator <= MOUNT_POINT_FIELD || separator + 1 >= fields.length) {
                continue;
            }
            if (fields[separator + 1].equals(fsType)) {
                return Optional.of(Path.of(unescape(fields[MOUNT_POINT_FIELD])));
            }
        }
        return Optional.empty();
    }

    /** One mount: where, and its super options ({@code rw,cpu,cpuacct} for a v1 cpu hierarchy). */
    record Mount(Path mountPoint, Set<String> superOptions) {
    }

    /** Every mount of {@code fsType}, in mountinfo order. */
    static List<Mount> mountsOf(String mountinfo, String fsType) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.strip().split(" ");
            int separator = Arrays.asList(fields).indexOf("-");
            if (separator <= MOUNT_POINT_FIELD || separator + 3 >= fields.length) {
                continue;
            }
            if (fields[separator + 1].equals(fsType)) {
                mounts.add(new Mount(Path.of(unescape(fields[MOUNT_POINT_FIELD])),
                        Set.copyOf(Arrays.asList(fields[separator + 3].split(",")))));
            }
        }
        return mounts;
    }

    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
