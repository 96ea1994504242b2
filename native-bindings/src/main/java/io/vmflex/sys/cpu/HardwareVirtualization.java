package io.vmflex.sys.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether the CPU advertises hardware virtualisation ({@code vmx} for Intel VT-x, {@code svm} for
 * AMD-V) in {@code /proc/cpuinfo}. Absent flags do not rule out a working {@code /dev/kvm} (a
 * software nested layer may provide one), which is why the KVM probe runs a guest too.
 *
 * @param present whether any CPU lists vmx or svm
 * @param flags   the virtualisation flags found, sorted and without duplicates
 */
public record HardwareVirtualization(boolean present, List<String> flags) {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static final Set<String> VIRTUALIZATION_FLAGS = Set.of("vmx", "svm");

    public HardwareVirtualization {
        flags = List.copyOf(flags);
    }

    /** Reads {@code /proc/cpuinfo}. */
    public static HardwareVirtualization detect() throws IOException {
        return detect(CPUINFO);
    }

    /** Reads a cpuinfo-format file. */
    public static HardwareVirtualization detect(Path cpuinfo) throws IOException {
        return parse(Files.readString(cpuinfo));
    }

    /** Parses cpuinfo text: the {@code flags} lines of x86 CPUs. */
    public static HardwareVirtualization parse(String cpuinfo) {
        Set<String> found = new TreeSet<>();
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().equals("flags")) {
                continue;
            }
            for (String flag : line.substring(colon + 1).strip().split("\\s+")) {
                if (VIRTUALIZATION_FLAGS.contains(flag)) {
                    found.add(flag);
                }
            }
        }
        return new HardwareVirtualization(!found.isEmpty(), List.copyOf(found));
    }
}
