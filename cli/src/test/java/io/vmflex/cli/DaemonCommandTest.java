package io.vmflex.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DaemonCommandTest {

    @Test
    void shouldRefuseAComputeUnitItCannotReadWithOneLineBeforeStartingAnything() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            CommandLine cmd = new CommandLine(new DaemonCommand());
            cmd.setErr(new PrintWriter(System.err, true));
            exit = cmd.execute("--compute-unit", "1Gi", "--state-dir", "/nonexistent/vmflex-state");
        } finally {
            System.setErr(saved);
        }
        assertEquals(2, exit);
        assertEquals("error: --compute-unit must be CPU/MEMORY, e.g. 250m/1Gi, got \"1Gi\"", err.toString(StandardCharsets.UTF_8).strip());
    }
}
