package io.vmflex.monitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads {@link GuestStats} from procfs, sysfs and the workload cgroup. The roots are parameters
 * so tests can point them at fake trees. A missing or unreadable file gives 0 for its values:
 * the monitor must keep reporting on kernels without PSI or without the cgroup.
 *
 * <p>Stateless apart from its paths; thread-safe.
 */
public final class SystemReader {
    private final Path proc;
    private final Path sys;
    private final Path workloadCgroup;

    public SystemReader(Path proc, Path sys, Path workloadCgroup) {
        this.proc = proc;
        this.sys = sys;
        this.workloadCgroup = workloadCgroup;
    }

    public GuestStats read() {
        int cpus = countCpuList(readOrEmpty(sys.resolve("devices/system/cpu/online")));
        double[] load = new double[3];
        String[] l = fields(readOrEmpty(proc.resolve("loadavg")).trim());
        for (int i = 0; i < 3 && i < l.length; i++) {
            load[i] = parseDouble(l[i]);
        }
        String meminfo = readOrEmpty(proc.resolve("meminfo"));
        long total = kbField(meminfo, "MemTotal:");
        long available = kbField(meminfo, "MemAvailable:");
        long cached = kbField(meminfo, "Cached:");
        long anon = plainField(readOrEmpty(workloadCgroup.resolve("memory.stat")), "anon");
        String memPressure = readOrEmpty(proc.resolve("pressure/memory"));
        String cpuPressure = readOrEmpty(proc.resolve("pressure/cpu"));
        return new GuestStats(cpus, load[0], load[1], load[2], total, available, cached, anon,
                avg10(memPressure, "some"), avg10(memPressure, "full"), avg10(cpuPressure, "some"),
                cpuTicks(readOrEmpty(proc.resolve("stat"))));
    }

    /**
     * The first line of /proc/stat, {@code cpu user nice system idle iowait irq softirq steal ...}:
     * idle and iowait are idle time; steal (time the host ran something else) is neither, so it is
     * left out of both; guest time is already inside user.
     */
    static GuestStats.CpuTicks cpuTicks(String stat) {
        int nl = stat.indexOf('\n');
        String[] f = fields((nl < 0 ? stat : stat.substring(0, nl)).trim());
        if (f.length < 5 || !f[0].equals("cpu")) {
            return GuestStats.CpuTicks.NONE;
        }
        long total = 0;
        long idle = 0;
        for (int i = 1; i < f.length && i <= 7; i++) {
            long v = parseLong(f[i]);
            total += v;
            idle += i == 4 || i == 5 ? v : 0;
        }
        return new GuestStats.CpuTicks(total - idle, total);
    }

    /** Counts a sysfs CPU list such as {@code 0-3,5,7-8}; 0 for an empty or broken list. */
    static int countCpuList(String list) {
        int n = 0;
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            try {
                int dash = part.indexOf('-');
                n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return n;
    }

    /** A {@code /proc/meminfo} field in bytes ({@code "MemTotal:  156560 kB"}). */
    static long kbField(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key)) {
                String[] f = fields(line.substring(key.length()).trim());
                return parseLong(f[0]) * (f.length > 1 && f[1].equals("kB") ? 1024 : 1);
            }
        }
        return 0;
    }

    /** A {@code key value} line of a cgroup stat file ({@code "anon 12345"}). */
    static long plainField(String text, String key) {
        for (String line : text.split("\n")) {
            String[] f = fields(line.trim());
            if (f.length == 2 && f[0].equals(key)) {
                return parseLong(f[1]);
            }
        }
        return 0;
    }

    /** {@code avg10} of the {@code some}/{@code full} line of a PSI file. */
    static double avg10(String text, String kind) {
        for (String line : text.split("\n")) {
            String[] f = fields(line.trim());
            if (f.length > 1 && f[0].equals(kind)) {
                for (String kv : f) {
                    if (kv.startsWith("avg10=")) {
                        return parseDouble(kv.substring(6));
                    }
                }
            }
        }
        return 0;
    }

    /**
     * Milliseconds since this process started ({@code /proc/self/stat} starttime against
     * {@code /proc/uptime}, in USER_HZ = 100 ticks), or -1 if unreadable. Not ProcessHandle: its
     * class initialisation creates lambdas, which pull java.lang.invoke into the guest JVM.
     */
    static long processAgeMillis(Path proc) {
        String stat = readOrEmpty(proc.resolve("self/stat"));
        String[] up = fields(readOrEmpty(proc.resolve("uptime")).trim());
        // Field 22; the command name (field 2) may hold spaces, so count after its closing ')'.
        int paren = stat.lastIndexOf(')');
        if (paren < 0) {
            return -1;
        }
        String[] f = fields(stat.substring(paren + 1).trim());
        if (f.length < 20) {
            return -1;
        }
        long startTicks = parseLong(f[19]);
        double uptime = parseDouble(up[0]);
        return startTicks <= 0 || uptime <= 0 ? -1 : Math.max(0, Math.round(uptime * 1000) - startTicks * 10);
    }

    /**
     * {@code s.split("\\s+")} for a trimmed {@code s} (so {@code ""} gives {@code [""]}), without
     * java.util.regex: the guest JVM runs interpreted and every class it loads costs memory.
     */
    static String[] fields(String s) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        int i = 0;
        int n = s.length();
        do {
            int start = i;
            while (i < n && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            out.add(s.substring(start, i));
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        } while (i < n);
        return out.toArray(new String[0]);
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double parseDouble(String s) {
        try {
            double d = Double.parseDouble(s);
            return Double.isFinite(d) ? d : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
