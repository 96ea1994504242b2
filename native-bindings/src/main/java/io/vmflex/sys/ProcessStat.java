package io.vmflex.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fields of {@code /proc/<pid>/stat} that vmflex uses to recognise a process across daemon
 * restarts: a pid plus its start time identifies one process, as pids are reused.
 *
 * <p>The second field ({@code comm}) is the executable name in parentheses and may itself contain
 * spaces and parentheses, so parsing splits at the <em>last</em> {@code ')'} of the line.
 *
 * @param pid            field 1
 * @param comm           field 2 without its parentheses (at most 15 bytes, as the kernel truncates it)
 * @param state          field 3, for example {@code 'S'} or {@code 'Z'}
 * @param ppid           field 4
 * @param startTimeTicks field 22: start time after boot in clock ticks ({@code _SC_CLK_TCK}, 100 on Linux)
 */
public record ProcessStat(int pid, String comm, char state, int ppid, long startTimeTicks) {

    /** Field 22 is the 20th field after comm (field 3 is the first one after it). */
    private static final int START_TIME_INDEX_AFTER_COMM = 22 - 3;

    /**
     * Reads {@code /proc/<pid>/stat}.
     *
     * @throws java.nio.file.NoSuchFileException if the process does not exist (any more)
     */
    public static ProcessStat read(int pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Integer.toString(pid), "stat"), StandardCharsets.ISO_8859_1));
    }

    /** Start time of process {@code pid} in clock ticks since boot (field 22 of its stat). */
    public static long startTime(int pid) throws IOException {
        return read(pid).startTimeTicks();
    }

    /**
     * Parses one stat line.
     *
     * @throws IllegalArgumentException if the line is not a stat line
     */
    public static ProcessStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 1 || close < open) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + abbreviate(line));
        }
        String[] rest = line.substring(close + 1).trim().split(" +");
        if (rest.length <= START_TIME_INDEX_AFTER_COMM || rest[0].length() != 1) {
            throw new IllegalArgumentException("too few fields in /proc/<pid>/stat line: " + abbreviate(line));
        }
        try {
            return new ProcessStat(
                    Integer.parseInt(line.substring(0, open).trim()),
                    line.substring(open + 1, close),
                    rest[0].charAt(0),
                    Integer.parseInt(rest[1]),
                    Long.parseLong(rest[START_TIME_INDEX_AFTER_COMM]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in /proc/<pid>/stat line: " + abbreviate(line), e);
        }
    }

    private static String abbreviate(String line) {
        String flat = line.strip();
        return flat.length() <= 120 ? flat : flat.substring(0, 120) + "...";
    }
}
