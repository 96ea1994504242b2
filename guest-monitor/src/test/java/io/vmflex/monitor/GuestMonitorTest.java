package io.vmflex.monitor;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionChoice;
import io.vmflex.api.guest.VersionRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static io.vmflex.monitor.MemoryPolicy.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor's threads against a fake host over a Unix socket, with fake /proc and /sys. */
class GuestMonitorTest {
    @TempDir
    Path dir;
    private FakeHost host;
    private GuestMonitor monitor;
    private final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        Path proc = dir.resolve("proc");
        Path sys = dir.resolve("sys");
        FakeTree.meminfo(proc, 300);
        FakeTree.write(sys, "devices/system/cpu/online", "0-1\n");
        FakeTree.write(proc, "loadavg", "0.10 0.20 0.30 1/50 99\n");
        Path socket = dir.resolve("guest.sock");
        host = new FakeHost(socket);
        GuestMonitor.Config config = new GuestMonitor.Config("unix:" + socket, proc, sys, dir.resolve("no-cgroup"),
                Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(100), null);
        monitor = new GuestMonitor(config, ChannelOpener.of(config.channel()),
                new Console(new PrintStream(consoleBytes, true, StandardCharsets.UTF_8)), System::nanoTime);
        monitor.start();
        host.accept();
    }

    @AfterEach
    void tearDown() throws Exception {
        monitor.stop();
        host.close();
    }

    private String console() {
        return consoleBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldHandshakeAndThenSendMetricsWithOddIncreasingIds() throws Exception {
        host.send(VersionRange.V1);

        assertEquals(new VersionChoice(1), host.nextOf(VersionChoice.class));
        GuestMessage.Metrics first = host.nextOf(GuestMessage.Metrics.class);
        GuestMessage.Metrics second = host.nextOf(GuestMessage.Metrics.class);
        assertEquals(2, first.cpusOnline());
        assertEquals(1000 * MIB, first.memTotalBytes());
        assertEquals(700 * MIB, first.memAvailableBytes());
        assertEquals(0.1, first.loadAvg1());
        assertEquals(1, first.id() % 2);
        assertTrue(second.id() > first.id());
        assertEquals(1, second.id() % 2);
        assertTrue(console().contains("vmflex-monitor: connected v1\n"), console());
    }

    @Test
    void shouldSendNoMetricsBeforeHandshake() throws Exception {
        Thread.sleep(300);
        host.send(VersionRange.V1);

        // The first thing the monitor ever says is its version choice.
        assertEquals(new VersionChoice(1), host.nextOf(Object.class));
    }

    @Test
    void shouldStartNewSessionWhenRangeArrivesAgainOnSameConnection() throws Exception {
        host.send(VersionRange.V1);
        host.nextOf(VersionChoice.class);

        host.send(VersionRange.V1);

        assertEquals(new VersionChoice(1), host.nextOf(VersionChoice.class));
        assertEquals(2, monitor.sessions());
        // One console line per opened port: a burst of repeated ranges must not flood it.
        assertEquals(1, console().split("connected v1", -1).length - 1, console());
    }

    @Test
    void shouldAnswerRequestsWhenSessionIsActive() throws Exception {
        host.send(VersionRange.V1);
        host.nextOf(VersionChoice.class);

        host.send(new GuestMessage.HealthCheck(2));
        assertEquals(new GuestMessage.HealthCheck(2), host.nextOf(GuestMessage.HealthCheck.class));
        host.send(new GuestMessage.DownscaleRequest(4, new Resources(1000, 350 * MIB)));
        GuestMessage.DownscaleResult refused = host.nextOf(GuestMessage.DownscaleResult.class);
        host.send(new GuestMessage.DownscaleRequest(6, new Resources(1000, 450 * MIB)));
        GuestMessage.DownscaleResult approved = host.nextOf(GuestMessage.DownscaleResult.class);
        host.send(new GuestMessage.UpscaleNotification(8, new Resources(2000, 2048 * MIB)));

        assertEquals(new GuestMessage.UpscaleConfirmation(8), host.nextOf(GuestMessage.UpscaleConfirmation.class));
        assertEquals(4, refused.id());
        assertFalse(refused.ok());
        assertEquals(6, approved.id());
        assertTrue(approved.ok());
    }

    @Test
    void shouldAnswerInvalidMessageAndKeepServingWhenPayloadIsGarbage() throws Exception {
        host.send(VersionRange.V1);
        host.nextOf(VersionChoice.class);
        byte[] junk = "{\"type\":\"Nope\",\"id\":2}".getBytes(StandardCharsets.UTF_8);

        host.sendRaw(ByteBuffer.allocate(4 + junk.length).putInt(junk.length).put(junk).array());

        host.nextOf(GuestMessage.InvalidMessage.class);
        host.send(new GuestMessage.HealthCheck(4));
        assertEquals(new GuestMessage.HealthCheck(4), host.nextOf(GuestMessage.HealthCheck.class));
    }

    @Test
    void shouldReopenAndHandshakeAgainWhenFrameLengthIsOutOfRange() throws Exception {
        host.send(VersionRange.V1);
        host.nextOf(VersionChoice.class);

        host.sendRaw(new byte[] {0x7f, 0, 0, 0});

        host.nextOf(GuestMessage.InvalidMessage.class);
        host.accept();
        host.send(VersionRange.V1);
        assertEquals(new VersionChoice(1), host.nextOf(VersionChoice.class));
        assertEquals(2, monitor.sessions());
    }

    @Test
    void shouldReconnectAndHandshakeAgainWhenHostGoesAway() throws Exception {
        host.send(VersionRange.V1);
        host.nextOf(VersionChoice.class);

        host.dropConnection();
        host.accept();
        host.send(VersionRange.V1);

        assertEquals(new VersionChoice(1), host.nextOf(VersionChoice.class));
        host.nextOf(GuestMessage.Metrics.class);
        assertEquals(2, monitor.sessions());
        assertEquals(2, console().split("connected v1", -1).length - 1, console());
    }

    @Test
    void shouldRequestUpscaleWhenUsagePassesThreshold() throws Exception {
        FakeTree.meminfo(dir.resolve("proc"), 800);
        host.send(VersionRange.V1);
        host.nextOf(VersionChoice.class);

        GuestMessage.UpscaleRequest r = host.nextOf(GuestMessage.UpscaleRequest.class);

        assertEquals(1, r.id() % 2);
    }
}
