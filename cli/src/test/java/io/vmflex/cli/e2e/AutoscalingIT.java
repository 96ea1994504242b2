package io.vmflex.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.agent.AgentService;
import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.DecisionKind;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.core.ScalingConfig;
import io.vmflex.agent.runner.EventSink;
import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.cli.up.DaemonEventSink;
import io.vmflex.cli.up.SchedulerAdmission;
import io.vmflex.client.AdminClient;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Autoscaling as {@code vmflex up} runs it, with real QEMU: a daemon, the agent (through the admin
 * socket) and the in-process scheduler. The test VM's workload burns two CPUs for its first 100 s of
 * uptime and then idles: nobody patches anything, yet the VM must get its second vCPU while the load
 * lasts and give it back after, each upscale behind a permit and each downscale behind the guest
 * monitor's approval.
 */
@Tag("qemu")
class AutoscalingIT {
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final String BURN = "end=$(( $(cut -d. -f1 /proc/uptime) + 100 )); "
            + "burn() { while :; do read u _ < /proc/uptime; [ ${u%.*} -ge $end ] && break; done; }; burn & burn & wait; "
            + "echo vmflex-burn-over";
    private static final List<Decision> decisions = new CopyOnWriteArrayList<>();
    private static Vmmd vmmd;
    private static AgentService agent;
    private static Scheduler scheduler;
    private static AdminClient client;
    private static Path state;

    @BeforeAll
    static void start() throws Exception {
        boolean ok = Files.exists(IMAGES.resolve("test/manifest.json"));
        if (!ok) {
            System.err.println("SKIPPED AutoscalingIT: test image not built in " + IMAGES);
        }
        assumeTrue(ok, "test image not built in " + IMAGES);
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-auto");
        Path socket = state.resolve("vmmd.sock");
        VmmdConfig d = VmmdConfig.defaults("node-auto");
        vmmd = Vmmd.start(new VmmdConfig(state, socket, "node-auto", IMAGES, d.qemuBinary(), null, d.socketMode(),
                d.devKvm(), null, "vmflex-test", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), null));
        scheduler = new Scheduler(new SchedulerConfig(Amount.ZERO, 0.9, SchedulerConfig.NEON_UNIT));
        scheduler.addNode("node-auto", new Amount(8_000, 16L << 30));
        vmmd.admission(new SchedulerAdmission(scheduler, "node-auto"));
        agent = new AgentService(new AgentService.Config(socket, "node-auto", ScalingConfig.vmflex(),
                new ComputeUnit(new MilliCpu(1000), ByteQuantity.ofBytes(1L << 30))), scheduler,
                new DaemonEventSink(vmmd.events(), new EventSink() {
            @Override
            public void decision(Decision decision) {
                decisions.add(decision);
            }

            @Override
            public void latency(LatencySample sample) {
            }
        }));
        vmmd.autoscaling(agent);
        agent.start();
        client = new AdminClient(socket, Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (vmmd != null) {
            client.request("DELETE", "/v1/vms/auto-vm", null, null);
            client.close();
            vmmd.close();
            try (var walk = Files.walk(state)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static JsonNode vm() throws Exception {
        return ApiMapper.json().readTree(client.request("GET", "/v1/vms/auto-vm", null, null).requireSuccess().body());
    }

    @Test
    void shouldGrowUnderLoadAndShrinkAfterWithNobodyPatching() throws Exception {
        String manifest = """
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine",
                 "metadata":{"name":"auto-vm","labels":{"autoscaling.neon.tech/enabled":"true"}},
                 "spec":{"guest":{"cpus":{"min":1,"use":1,"max":2},"memorySlotSize":"256Mi",
                   "memorySlots":{"min":4,"use":4,"max":8},"rootDisk":{"image":"test"},
                   "command":["/bin/sh","-c",%s]}}}""".formatted(ApiMapper.json().writeValueAsString(BURN));
        client.request("POST", "/v1/vms", "application/json", manifest.getBytes(StandardCharsets.UTF_8)).requireSuccess();
        long t0 = System.nanoTime();

        Awaitility.await("second vCPU while the guest burns").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                .until(() -> vm().path("status").path("cpus").asText().equals("2"));
        long upAt = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("2", vm().path("spec").path("guest").path("cpus").path("use").asText(), "the agent patched use");
        Awaitility.await("status.currentRevision reaches the agent's targetRevision").atMost(Duration.ofSeconds(30))
                .until(() -> vm().path("status").path("currentRevision").path("revision").path("value").asLong(-1)
                        == vm().path("spec").path("targetRevision").path("revision").path("value").asLong(-2));
        JsonNode view = ApiMapper.json().readTree(client.request("GET", "/v1/vms/auto-vm/autoscaling", null, null)
                .requireSuccess().body());
        assertEquals("vmflex", view.path("rules").asText(), view.toString());
        assertEquals("2", view.path("permit").path("cpu").asText(), "the scheduler's permit is shown: " + view);
        assertEquals("2", view.path("max").path("cpu").asText(), view.toString());
        assertTrue(view.path("lastDecision").path("reason").isTextual(), view.toString());

        Awaitility.await("back to one vCPU once the burn is over").atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> vm().path("status").path("cpus").asText().equals("1"));
        long downAt = (System.nanoTime() - t0) / 1_000_000;
        // A steady load is not given back half-way.
        String console = client.request("GET", "/v1/vms/auto-vm/console?tail=200", null, null).requireSuccess().bodyText();
        assertTrue(console.contains("vmflex-burn-over"), "back to 1 vCPU while the guest still burned 2 CPUs");
        System.out.printf("AutoscalingIT: up to 2 vCPUs %.1f s after create, back to 1 at %.1f s; decisions:%n",
                upAt / 1000.0, downAt / 1000.0);
        decisions.forEach(d -> System.out.println("  " + d.kind() + " " + d.current() + " -> " + d.target() + " " + d.detail()));

        List<DecisionKind> kinds = decisions.stream().map(Decision::kind).toList();
        int up = kinds.indexOf(DecisionKind.SCALED_UP);
        int asked = kinds.indexOf(DecisionKind.UPSCALE_REQUESTED);
        assertTrue(up > 0 && asked >= 0 && asked < up, "a permit was asked before the upscale: " + kinds);
        int down = kinds.lastIndexOf(DecisionKind.SCALED_DOWN);
        int approval = kinds.lastIndexOf(DecisionKind.DOWNSCALE_REQUESTED);
        assertTrue(down > up && approval > up && approval < down, "the monitor was asked before the downscale: " + kinds);
        assertTrue(scheduler.vm("auto-vm").isPresent(), "the scheduler books the VM");
        JsonNode events = ApiMapper.json().readTree(client.request("GET", "/v1/events", null, null).requireSuccess().body());
        boolean explained = false;
        for (JsonNode e : events.path("items")) {
            explained |= e.path("reason").asText().equals("ScaledUp") && e.path("message").asText().contains("goal 2 CPU")
                    && e.path("message").asText().contains("busy");
        }
        assertTrue(explained, "the upscale is an event that carries its goal and inputs: " + events);

        String tooBig = manifest.replace("auto-vm", "too-big").replace("\"min\":1,\"use\":1,\"max\":2", "\"min\":16,\"use\":16,\"max\":16");
        var refused = client.request("POST", "/v1/vms", "application/json", tooBig.getBytes(StandardCharsets.UTF_8));
        assertEquals(403, refused.status(), refused.bodyText());
        assertTrue(refused.bodyText().contains("not admitted"), refused.bodyText());
        assertEquals(404, client.request("GET", "/v1/vms/too-big", null, null).status(), "nothing stored");
    }
}
