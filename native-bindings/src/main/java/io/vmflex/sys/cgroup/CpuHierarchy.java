package io.vmflex.sys.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where this host's cpu controller lives, and groups made there. Real hosts come in two kinds: a
 * unified cgroup v2 layout ({@code cpu.max}, {@code cpu.stat}) and a v1 or hybrid layout whose cpu
 * and cpuacct controllers are v1 hierarchies, mounted together or apart
 * ({@code cpu.cfs_quota_us}, {@code cpuacct.usage}). {@link #detect} picks the one that works here;
 * {@link #v2} and {@link #v1} take any directory tree laid out like one (tests).
 *
 * <p>Thread-safe: immutable; the file system is the only state.
 */
public sealed interface CpuHierarchy permits CpuHierarchy.V2, CpuHierarchy.V1 {

    /** {@code "cgroup v2"} or {@code "cgroup v1"}, for messages. */
    String kind();

    /** Creates (mkdir -p) the group at {@code relativePath} below the hierarchy's root(s). */
    CpuGroup create(String relativePath) throws IOException;

    /** The cpu controller of this host: v2 if the cgroup2 root offers it, else the v1 cpu mount. */
    static Optional<CpuHierarchy> detect() throws IOException {
        return detect(Files.readString(Path.of("/proc/self/mountinfo")));
    }

    /** Like {@link #detect()}, from mountinfo text. */
    static Optional<CpuHierarchy> detect(String mountinfo) throws IOException {
        Optional<Path> v2 = Mountinfo.firstMountOf(mountinfo, "cgroup2");
        if (v2.isPresent() && new CgroupV2(v2.get()).availableControllers().contains("cpu")) {
            return Optional.of(v2(v2.get()));
        }
        Path cpu = null;
        Path cpuacct = null;
        for (Mountinfo.Mount m : Mountinfo.mountsOf(mountinfo, "cgroup")) {
            if (cpu == null && m.superOptions().contains("cpu")) {
                cpu = m.mountPoint();
            }
            if (cpuacct == null && m.superOptions().contains("cpuacct")) {
                cpuacct = m.mountPoint();
            }
        }
        return cpu == null ? Optional.empty() : Optional.of(v1(cpu, cpuacct == null ? cpu : cpuacct));
    }

    static CpuHierarchy v2(Path root) {
        return new V2(new CgroupV2(root));
    }

    static CpuHierarchy v1(Path cpuRoot, Path cpuacctRoot) {
        return new V1(cpuRoot.toAbsolutePath().normalize(), cpuacctRoot.toAbsolutePath().normalize());
    }

    /** A unified hierarchy. */
    record V2(CgroupV2 hierarchy) implements CpuHierarchy {
        @Override
        public String kind() {
            return "cgroup v2";
        }

        @Override
        public CpuGroup create(String relativePath) throws IOException {
            return new V2Group(hierarchy.create(relativePath));
        }
    }

    /** The v1 cpu hierarchy and the cpuacct one (the same directory when mounted together). */
    record V1(Path cpuRoot, Path cpuacctRoot) implements CpuHierarchy {
        @Override
        public String kind() {
            return "cgroup v1";
        }

        @Override
        public CpuGroup create(String relativePath) throws IOException {
            // The same checks as v2's: relative, no "." or "..".
            Path cpu = new CgroupV2(cpuRoot).cgroup(relativePath).path();
            Path acct = new CgroupV2(cpuacctRoot).cgroup(relativePath).path();
            Files.createDirectories(cpu);
            Files.createDirectories(acct);
            return new V1Group(cpu, acct);
        }
    }

    /** A cgroup v2 directory: {@code cpu.max}, {@code cpu.stat}. */
    record V2Group(Cgroup cgroup) implements CpuGroup {
        @Override
        public List<Path> paths() {
            return List.of(cgroup.path());
        }

        @Override
        public void movePid(int pid) throws IOException {
            cgroup.movePid(pid);
        }

        @Override
        public void setCpuQuota(long quotaUs, long periodUs) throws IOException {
            cgroup.setCpuMax(quotaUs, periodUs);
        }

        @Override
        public long cpuQuotaUs() throws IOException {
            String quota = cgroup.read("cpu.max").strip().split("\\s+")[0];
            return quota.equals("max") ? -1 : Long.parseLong(quota);
        }

        @Override
        public CpuUsage usage() throws IOException {
            Map<String, Long> stat = keyed(cgroup.read("cpu.stat"));
            return new CpuUsage(stat.getOrDefault("usage_usec", 0L) * 1000,
                    stat.getOrDefault("nr_throttled", 0L), stat.getOrDefault("throttled_usec", 0L) * 1000);
        }

        @Override
        public void remove() throws IOException {
            cgroup.remove();
        }
    }

    /** A group's directories in the v1 cpu and cpuacct hierarchies. */
    record V1Group(Path cpuDir, Path cpuacctDir) implements CpuGroup {
        @Override
        public List<Path> paths() {
            return cpuDir.equals(cpuacctDir) ? List.of(cpuDir) : List.of(cpuDir, cpuacctDir);
        }

        @Override
        public void movePid(int pid) throws IOException {
            if (pid <= 0) {
                throw new IllegalArgumentException("pid must be positive: " + pid);
            }
            for (Path dir : paths()) {
                write(dir, "cgroup.procs", Integer.toString(pid));
            }
        }

        @Override
        public void setCpuQuota(long quotaUs, long periodUs) throws IOException {
            CpuLimits.check(quotaUs, periodUs);
            // Quota first to -1 so that a shorter period never meets a quota it cannot hold.
            write(cpuDir, "cpu.cfs_quota_us", "-1");
            write(cpuDir, "cpu.cfs_period_us", Long.toString(periodUs));
            write(cpuDir, "cpu.cfs_quota_us", Long.toString(quotaUs));
        }

        @Override
        public long cpuQuotaUs() throws IOException {
            return Long.parseLong(read(cpuDir, "cpu.cfs_quota_us").strip());
        }

        @Override
        public CpuUsage usage() throws IOException {
            Map<String, Long> stat = keyed(read(cpuDir, "cpu.stat"));
            return new CpuUsage(Long.parseLong(read(cpuacctDir, "cpuacct.usage").strip()),
                    stat.getOrDefault("nr_throttled", 0L), stat.getOrDefault("throttled_time", 0L));
        }

        @Override
        public void remove() throws IOException {
            for (Path dir : paths()) {
                try {
                    Files.deleteIfExists(dir);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("cannot remove " + dir + ": it has child cgroups (or, outside cgroupfs, files)", e);
                } catch (FileSystemException e) {
                    throw new IOException("cannot remove " + dir + ": " + e.getReason()
                            + " (processes still inside, or child cgroups?)", e);
                }
            }
        }

        private static String read(Path dir, String file) throws IOException {
            return Files.readString(dir.resolve(file), StandardCharsets.US_ASCII);
        }

        private static void write(Path dir, String file, String value) throws IOException {
            Path path = dir.resolve(file);
            try {
                // No CREATE: on cgroupfs only the kernel creates interface files.
                Files.writeString(path, value, StandardCharsets.US_ASCII,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(path.toString(), null,
                        Files.isDirectory(dir) ? "not a cgroup v1 cpu/cpuacct directory" : "cgroup does not exist");
            } catch (IOException e) {
                throw new IOException("writing '" + value + "' to " + path + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** {@code key value} lines, as in {@code cpu.stat}. */
    private static Map<String, Long> keyed(String text) {
        Map<String, Long> values = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] kv = line.strip().split("\\s+");
            if (kv.length == 2) {
                try {
                    values.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException ignored) {
                    // A key this code does not read.
                }
            }
        }
        return values;
    }
}
