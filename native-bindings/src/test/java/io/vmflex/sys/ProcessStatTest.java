package io.vmflex.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class ProcessStatTest {

    @TempDir
    Path dir;

    @Test
    void shouldGiveSameStartTimeWhenReadTwiceForSamePid() throws Exception {
        int self = Libc.getpid();
        long first = ProcessStat.startTime(self);
        assertTrue(first > 0);
        assertEquals(first, ProcessStat.startTime(self));
    }

    @Test
    void shouldGiveLaterStartTimeWhenProcessIsNewer() throws Exception {
        long self = ProcessStat.startTime(Libc.getpid());
        Thread.sleep(50); // more than one 10 ms clock tick after this JVM started
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            long child = ProcessStat.startTime((int) sleep.pid());
            assertTrue(child > self, "child " + child + " should start after JVM " + self);
        } finally {
            sleep.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldParseCommWhenNameHasSpacesAndParentheses() throws Exception {
        Path odd = dir.resolve("a) b (c");
        Files.copy(Path.of("/bin/sleep"), odd, StandardCopyOption.COPY_ATTRIBUTES);
        assertTrue(odd.toFile().setExecutable(true));
        Process process = new ProcessBuilder(odd.toString(), "30").start();
        try {
            ProcessStat stat = ProcessStat.read((int) process.pid());
            assertEquals("a) b (c", stat.comm());
            assertEquals((int) process.pid(), stat.pid());
            assertEquals(Libc.getpid(), stat.ppid());
            assertTrue(stat.startTimeTicks() > 0);
            assertEquals(stat.startTimeTicks(), ProcessStat.startTime((int) process.pid()));
        } finally {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldTakeFieldTwentyTwoWhenParsingCraftedLine() {
        StringBuilder line = new StringBuilder("1234 (x) (y) ) S 77");
        for (int field = 5; field <= 21; field++) {
            line.append(' ').append(field);
        }
        line.append(" 987654 23 24\n");
        ProcessStat stat = ProcessStat.parse(line.toString());
        assertEquals(new ProcessStat(1234, "x) (y) ", 'S', 77, 987654L), stat);
    }

    @Test
    void shouldRejectLineWhenFieldsAreMissing() {
        assertThrows(IllegalArgumentException.class, () -> ProcessStat.parse("12 (sleep) S 1 2 3"));
        assertThrows(IllegalArgumentException.class, () -> ProcessStat.parse("garbage"));
    }

    @Test
    void shouldThrowNoSuchFileWhenProcessIsGone() throws Exception {
        Process done = new ProcessBuilder("true").start();
        assertTrue(done.waitFor(5, TimeUnit.SECONDS));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> ProcessStat.read((int) done.pid()));
    }
}
