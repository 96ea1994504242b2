package io.vmflex.cli.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.client.FakeDaemon;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vmctl profile} against a fake daemon: request shape, file written, errors as one line. */
class ProfileCommandTest {

    private record Result(int exit, String out, String err) {
    }

    @TempDir
    Path dir;

    private FakeDaemon daemon;

    @BeforeEach
    void start() throws IOException {
        daemon = new FakeDaemon(dir);
    }

    @AfterEach
    void stop() throws IOException {
        daemon.close();
    }

    private Result vmctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext context = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]),
                Clock.systemUTC(), Map.of("VMFLEX_SOCKET", daemon.socket().toString()));
        int exit = VmctlCommand.run(args, context);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldWriteTheDaemonsHtmlToOutWhenProfileSucceeds() throws IOException {
        String html = "<!DOCTYPE html><html>io/vmflex/migration/Relay.pump</html>";
        daemon.on("POST /v1/debug/profile?duration=3&event=wall", (req, o) -> {
            o.write(FakeDaemon.chunkedHead(200, "text/html; charset=utf-8"));
            o.write(FakeDaemon.chunk(html));
            o.write(FakeDaemon.lastChunk());
        });
        Path file = dir.resolve("flame.html");
        Result r = vmctl("profile", "--duration", "3", "--out", file.toString(), "--event", "wall");
        assertEquals(0, r.exit(), r.err());
        assertEquals(html, Files.readString(file));
        assertEquals("wrote " + file + " (1 KiB, wall, 3 s)\n", r.out());
        assertEquals("POST", daemon.onlyRequest().method());
    }

    @Test
    void shouldPrintServerErrorAndExit1AndWriteNothingWhenBusy() {
        daemon.onJson("POST /v1/debug/profile?duration=5&event=cpu", 409,
                FakeDaemon.error(409, "a profile is already being recorded; try again when it ends"));
        Path file = dir.resolve("flame.html");
        Result r = vmctl("profile", "--duration", "5", "--out", file.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().endsWith("a profile is already being recorded; try again when it ends\n"), r.err());
        assertFalse(Files.exists(file));
    }

    @Test
    void shouldExit2AndSendNothingWhenDurationOrEventIsInvalid() {
        Path file = dir.resolve("flame.html");
        Result tooLong = vmctl("profile", "--duration", "301", "--out", file.toString());
        assertEquals(2, tooLong.exit());
        assertTrue(tooLong.err().contains("--duration must be 1..300 seconds, got 301"), tooLong.err());
        Result badEvent = vmctl("profile", "--duration", "5", "--out", file.toString(), "--event", "lock");
        assertEquals(2, badEvent.exit());
        assertTrue(badEvent.err().contains("--event must be cpu, alloc or wall, got 'lock'"), badEvent.err());
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void shouldExit1WithOneLineWhenOutDirectoryIsMissing() {
        Result r = vmctl("profile", "--duration", "5", "--out", dir.resolve("nope/flame.html").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: cannot write "), r.err());
        assertTrue(daemon.requests().isEmpty());
    }
}
