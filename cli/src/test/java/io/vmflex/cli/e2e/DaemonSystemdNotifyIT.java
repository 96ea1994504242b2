package io.vmflex.cli.e2e;

import io.vmflex.client.AdminClient;
import io.vmflex.sys.UnixDatagramSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real {@code vmflex daemon} started as systemd starts a {@code Type=notify} unit with
 * {@code WatchdogSec=}: {@code NOTIFY_SOCKET} names a datagram socket this test binds (through the
 * same native-bindings the daemon sends with) and {@code WATCHDOG_USEC} asks for pings. READY=1 is
 * the first thing that arrives, and when it does, vmctl's request on the admin socket is answered;
 * WATCHDOG=1 pings follow; SIGTERM brings STOPPING=1.
 */
class DaemonSystemdNotifyIT {

    private Path state;
    private Process daemon;

    @AfterEach
    void stop() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly().waitFor();
        }
        if (state != null && Files.exists(state.resolve("daemon.log"))) {
            System.out.println(Files.readString(state.resolve("daemon.log")));
        }
    }

    @Test
    void shouldSendReadyOnceTheAdminSocketAnswersThenWatchdogPings() throws Exception {
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-notify");
        Path socket = state.resolve("vmmd.sock");
        String notify = state.resolve("notify").toString();
        try (UnixDatagramSocket systemd = UnixDatagramSocket.bind(notify)) {
            String java = ProcessHandle.current().info().command().orElseThrow();
            ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main", "daemon",
                    "--state-dir", state.toString(), "--socket", socket.toString(), "--node-name", "node-notify",
                    "--no-network", "--cgroup-parent", "vmflex-test-notify")
                    .redirectErrorStream(true).redirectOutput(state.resolve("daemon.log").toFile());
            pb.environment().put("NOTIFY_SOCKET", notify);
            pb.environment().put("WATCHDOG_USEC", "1000000");
            daemon = pb.start();

            String first = receive(systemd, Duration.ofSeconds(90));
            assertTrue(first.startsWith("READY=1\n"), "the first notification is READY=1: " + first);
            try (AdminClient client = new AdminClient(socket, Duration.ofSeconds(5))) {
                assertEquals(200, client.request("GET", "/v1/vms", null, null).status(),
                        "once READY=1 arrived, the admin socket answers");
            }
            assertTrue(first.contains("STATUS=vmmd serving " + socket), first);

            List<String> next = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                next.add(receive(systemd, Duration.ofSeconds(10)));
            }
            assertEquals(List.of("WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"), next);

            daemon.destroy(); // SIGTERM, as systemctl stop sends
            String last;
            do {
                last = receive(systemd, Duration.ofSeconds(30));
            } while (last.equals("WATCHDOG=1"));
            assertEquals("STOPPING=1", last);
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        }
    }

    private static String receive(UnixDatagramSocket systemd, Duration within) throws Exception {
        Optional<byte[]> datagram = systemd.receive(4096, (int) within.toMillis());
        return new String(datagram.orElseThrow(() -> new AssertionError("nothing from the daemon within " + within)),
                StandardCharsets.UTF_8);
    }
}
