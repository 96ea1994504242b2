package io.vmflex.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerCommandTest {

    private record Run(int exit, String err) {
    }

    /** Runs {@code vmflex scheduler args} as Main would, with stderr captured. */
    private static Run run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            CommandLine cmd = new CommandLine(new SchedulerCommand());
            cmd.setErr(new PrintWriter(System.err, true));
            int exit = cmd.execute(args);
            return new Run(exit, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void shouldRefuseAMissingKubeconfigWithOneLine() {
        Run r = run("--kubeconfig", "/nonexistent/kubeconfig", "--identity", "a");
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: --kubeconfig /nonexistent/kubeconfig: cannot read"), r.err());
    }

    @Test
    void shouldRefuseLeaseTimingsThatCannotWork() {
        Run r = run("--kubeconfig", "/nonexistent/kubeconfig", "--lease-duration", "5s", "--renew-deadline", "10s");
        assertEquals(2, r.exit());
        assertEquals("error: lease timings: need 0 < retry period < renew deadline < lease duration, got 2000 ms, 10000 ms, 5000 ms",
                r.err().strip());
    }

    @Test
    void shouldReadDurationsAsKubernetesFlagsWriteThem() {
        var c = new SchedulerCommand.DurationConverter();
        assertEquals(Duration.ofSeconds(15), c.convert("15s"));
        assertEquals(Duration.ofMillis(500), c.convert("500ms"));
        assertEquals(Duration.ofMinutes(1), c.convert("1m"));
        Run r = run("--lease-duration", "15 seconds");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("expected a duration such as 15s, 500ms or 1m, got \"15 seconds\""), r.err());
    }

    @Test
    void shouldRefuseWatermarkSettingsThatCannotWorkWithOneLine() {
        Run r = run("--kubeconfig", "/nonexistent/kubeconfig", "--watermark", "1.5");
        assertEquals(2, r.exit());
        assertEquals("error: --watermark: must be above 0 and at most 1, got 1.5", r.err().strip());
        r = run("--kubeconfig", "/nonexistent/kubeconfig", "--max-migrations-per-node", "0");
        assertEquals(2, r.exit());
        assertEquals("error: --max-migrations-per-node: must be at least 1, got 0", r.err().strip());
        r = run("--kubeconfig", "/nonexistent/kubeconfig", "--watermark-migrations", "maybe");
        assertEquals(2, r.exit());
        assertEquals("error: --watermark-migrations: on or off, got \"maybe\"", r.err().strip());
        r = run("--kubeconfig", "/nonexistent/kubeconfig", "--watermark-migration-bandwidth", "fast");
        assertEquals(2, r.exit());
        assertEquals("error: --watermark-migration-bandwidth: expected a quantity such as \"1Gi\", \"512M\" or a number"
                + " of bytes, got \"fast\"", r.err().strip());
        r = run("--kubeconfig", "/nonexistent/kubeconfig", "--watermark-migration-bandwidth", "0");
        assertEquals(2, r.exit());
        assertEquals("error: --watermark-migration-bandwidth: must be above 0 bytes per second", r.err().strip());
    }
}
