package io.vmflex.vmm.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleLogTest {
    @TempDir
    Path dir;

    private static void append(ConsoleLog log, String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        log.append(b, 0, b.length);
    }

    @Test
    void shouldReturnLastLinesWhenTailAsked() throws Exception {
        try (ConsoleLog log = new ConsoleLog(dir.resolve("console.log"), 1 << 20)) {
            append(log, "a\nb\nc\n");
            assertEquals("b\nc\n", log.tail(2));
            assertEquals("a\nb\nc\n", log.tail(-1));
            assertEquals("a\nb\nc\n", log.tail(10));
            assertEquals("", log.tail(0));
        }
    }

    @Test
    void shouldNeverKeepMoreThanTwiceTheCapWhenGuestFloods() throws Exception {
        Path file = dir.resolve("console.log");
        try (ConsoleLog log = new ConsoleLog(file, 1000)) {
            for (int i = 0; i < 500; i++) {
                append(log, "line " + i + " of a flooding guest\n");
            }
            long kept = Files.size(file) + Files.size(dir.resolve("console.log.1"));
            assertTrue(kept <= 2000, "kept " + kept + " bytes");
            assertTrue(log.tail(1).contains("line 499"), log.tail(1));
        }
    }

    @Test
    void shouldPushNewOutputToFollowersUntilTheyLeave() throws Exception {
        try (ConsoleLog log = new ConsoleLog(dir.resolve("console.log"), 1 << 20)) {
            List<String> got = new ArrayList<>();
            AutoCloseable h = log.follow(b -> got.add(new String(b, StandardCharsets.ISO_8859_1)));
            append(log, "one\n");
            h.close();
            append(log, "two\n");
            assertEquals(List.of("one\n"), got);
        }
    }
}
