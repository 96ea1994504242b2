package io.vmflex.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.client.AdminClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code kill -9} of {@code vmflex up} (the real command, as systemd runs it) right after the
 * agent scaled a VM up: the VM keeps running (same QEMU pid), the next {@code vmflex up} re-adopts
 * it, its fresh scheduler books the VM once (from the node report, not twice) and scaling goes on:
 * once the guest's burn is over, the VM is scaled back down by the new agent.
 */
@Tag("qemu")
class UpRestartIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final String BURN = "end=$(( $(cut -d. -f1 /proc/uptime) + 50 )); "
            + "burn() { while :; do read u _ < /proc/uptime; [ ${u%.*} -ge $end ] && break; done; }; burn & burn & wait";
    private static Path state;
    private static Path socket;
    private static int metricsPort;
    private static Process up;
    private static AdminClient client;

    @BeforeAll
    static void start() throws Exception {
        String skip = !Files.exists(IMAGES.resolve("test/manifest.json")) ? "test image not built in " + IMAGES
                : !Files.exists(REPO.resolve("cli/target/cli-0.1.0-SNAPSHOT.jar")) ? "cli jar not built (mvn package first)" : null;
        if (skip != null) {
            System.err.println("SKIPPED UpRestartIT: " + skip);
        }
        assumeTrue(skip == null, skip);
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-up");
        socket = state.resolve("vmmd.sock");
        try (ServerSocket free = new ServerSocket(0)) {
            metricsPort = free.getLocalPort();
        }
        up = startUp();
        client = new AdminClient(socket, Duration.ofSeconds(10));
    }

    private static Process startUp() throws IOException {
        Files.deleteIfExists(socket);
        Process p = new ProcessBuilder(REPO.resolve("vmflex").toString(), "up", "--state-dir", state.toString(),
                "--socket", socket.toString(), "--node-name", "node-up", "--no-network", "--image-dir", IMAGES.toString(),
                "--cgroup-parent", "vmflex-test-up", "--compute-unit", "1/1Gi", "--host-reserve", "0/512Mi",
                "--metrics-listen", "127.0.0.1:" + metricsPort)
                .redirectErrorStream(true).redirectOutput(state.resolve("up.log").toFile()).start();
        Awaitility.await("vmflex up serving").atMost(Duration.ofSeconds(60)).until(() -> Files.exists(socket));
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.request("DELETE", "/v1/vms/up-vm", null, null);
            client.close();
        }
        if (up != null) {
            up.destroy();
            up.waitFor();
            System.out.println(Files.readString(state.resolve("up.log")).lines()
                    .filter(l -> l.contains("AgentService") || l.contains("reason=Scaled") || l.contains("Adopted"))
                    .reduce("", (a, b) -> a + b + "\n"));
        }
    }

    private static JsonNode vm() throws Exception {
        return ApiMapper.json().readTree(client.request("GET", "/v1/vms/up-vm", null, null).requireSuccess().body());
    }

    /** The scheduler's reserved CPU on this node, from vmflex up's own metrics. */
    private static double reservedCpu() throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("vmflex_scheduler_node_reserved\\{node=\"node-up\",resource=\"cpu\"} ([0-9.]+)").matcher(text);
        assertTrue(m.find(), text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void shouldKeepTheVmAndGoOnScalingAfterKill9() throws Exception {
        String manifest = """
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine",
                 "metadata":{"name":"up-vm","labels":{"autoscaling.neon.tech/enabled":"true"}},
                 "spec":{"guest":{"cpus":{"min":1,"use":1,"max":2},"memorySlotSize":"256Mi",
                   "memorySlots":{"min":4,"use":4,"max":8},"rootDisk":{"image":"test"},
                   "command":["/bin/sh","-c",%s]}}}""".formatted(ApiMapper.json().writeValueAsString(BURN));
        client.request("POST", "/v1/vms", "application/json", manifest.getBytes(StandardCharsets.UTF_8)).requireSuccess();
        Awaitility.await("scaled up under load").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> vm().path("spec").path("guest").path("cpus").path("use").asText().equals("2"));
        long pid = vm().path("status").path("pid").asLong();
        assertEquals(2.0, reservedCpu(), 1e-9, "the scheduler books the upscale");

        new ProcessBuilder("kill", "-9", Long.toString(up.pid())).start().waitFor();
        up.waitFor();
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "QEMU outlives vmflex up");

        up = startUp();
        Awaitility.await("re-adopted").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> vm().path("status").path("pid").asLong() == pid && vm().path("status").path("phase").asText().equals("Running"));
        Awaitility.await("the new scheduler books the VM from the node report").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> reservedCpu() == 2.0);

        Awaitility.await("scaled down by the new agent once the burn is over").atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> vm().path("status").path("cpus").asText().equals("1"));
        assertEquals(pid, vm().path("status").path("pid").asLong(), "the same QEMU all along");
        assertEquals(1.0, reservedCpu(), 1e-9, "released once, booked once");
        List<String> reasons = ApiMapper.json().readTree(client.request("GET", "/v1/events?vm=up-vm", null, null).body())
                .findValuesAsText("reason");
        assertTrue(reasons.contains("ScaledDown"), reasons.toString());
    }
}
