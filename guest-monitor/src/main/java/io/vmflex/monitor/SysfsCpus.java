package io.vmflex.monitor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cpuScalingMode: SysfsScaling} in the guest: every vCPU is plugged at boot and the host asks
 * for a number of them online ({@code SetCpusOnline}); cpu0 (which has no {@code online} file) and then
 * the lowest-numbered stay online, the rest go offline, each through
 * {@code /sys/devices/system/cpu/cpuN/online}. The answer is the count the kernel reports online
 * afterwards ({@code /sys/devices/system/cpu/online}, a range list), not what was asked: a CPU the
 * kernel refuses to take offline shows up there.
 *
 * <p>The guest learns the mode from {@code vmflex.cpu_scaling=sysfs} on its kernel command line; then
 * nothing else onlines CPUs ({@link HotplugOnliner} leaves them alone, so does the images' init).
 *
 * <p>Stateless; one thread calls it.
 */
public final class SysfsCpus {
    /** The kernel command line word vmmd adds for a SysfsScaling VM. */
    public static final String CMDLINE_WORD = "vmflex.cpu_scaling=sysfs";
    /** No guest has more (the host validates the same bound). */
    public static final int MAX_CPUS = 1024;

    private final Path cpuDir;

    public SysfsCpus(Path sys) {
        this.cpuDir = sys.resolve("devices/system/cpu");
    }

    /** Whether this guest was booted for SysfsScaling (the word in {@code proc/cmdline}). */
    public static boolean enabled(Path proc) {
        try {
            for (String word : Files.readString(proc.resolve("cmdline")).trim().split("\\s+")) {
                if (word.equals(CMDLINE_WORD)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Keeps {@code wanted} CPUs online (1..{@link #MAX_CPUS}; more than the guest has: all of them).
     *
     * @return how many CPUs are online afterwards
     * @throws IllegalArgumentException for a count outside 1..MAX_CPUS
     * @throws IOException when sysfs cannot be read or a CPU refuses the change
     */
    public int setOnline(int wanted) throws IOException {
        if (wanted < 1 || wanted > MAX_CPUS) {
            throw new IllegalArgumentException("cpus must be 1.." + MAX_CPUS + ", got " + wanted);
        }
        List<Integer> hotpluggable = hotpluggableCpus();
        // cpu0 counts as one online CPU; then cpu1, cpu2, ... in order. Onlining first, then offlining,
        // so the guest never has fewer CPUs than either end of the change.
        for (int i = 0; i < hotpluggable.size(); i++) {
            if (i + 1 < wanted) {
                write(hotpluggable.get(i), "1");
            }
        }
        for (int i = hotpluggable.size() - 1; i >= 0; i--) {
            if (i + 1 >= wanted) {
                write(hotpluggable.get(i), "0");
            }
        }
        return onlineCount();
    }

    /** How many CPUs the kernel reports online ({@code cpu/online}, e.g. {@code 0-1,3}). */
    public int onlineCount() throws IOException {
        return countRanges(Files.readString(cpuDir.resolve("online")).trim());
    }

    static int countRanges(String list) {
        int n = 0;
        if (list.isEmpty()) {
            return 0;
        }
        for (String r : list.split(",")) {
            int dash = r.indexOf('-');
            n += dash < 0 ? 1 : Integer.parseInt(r.substring(dash + 1)) - Integer.parseInt(r.substring(0, dash)) + 1;
        }
        return n;
    }

    private void write(int cpu, String value) throws IOException {
        Path f = cpuDir.resolve("cpu" + cpu).resolve("online");
        if (!Files.readString(f).trim().equals(value)) {
            Files.writeString(f, value);
        }
    }

    /** The numbers of the CPUs that have an {@code online} file, ascending (cpu0 has none). */
    private List<Integer> hotpluggableCpus() throws IOException {
        List<Integer> out = new ArrayList<>();
        DirectoryStream.Filter<Path> numbered = new DirectoryStream.Filter<>() {
            @Override
            public boolean accept(Path p) {
                String name = p.getFileName().toString();
                return name.length() > 3 && name.startsWith("cpu") && isDigits(name.substring(3));
            }
        };
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(cpuDir, numbered)) {
            for (Path e : entries) {
                int n = Integer.parseInt(e.getFileName().toString().substring(3));
                if (n > 0 && Files.exists(e.resolve("online"))) {
                    out.add(n);
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return !s.isEmpty();
    }
}
