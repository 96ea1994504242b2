package io.vmflex.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.GuestMetrics;
import io.vmflex.agent.core.ScalingConfig;
import io.vmflex.agent.core.ScalingCore;
import io.vmflex.agent.runner.AgentRunner;
import io.vmflex.agent.runner.EventSink;
import io.vmflex.agent.runner.PatchOutcome;
import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.client.AdminClient;
import io.vmflex.client.FakeDaemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

/** The agent's adapters against a scripted admin API on a real Unix socket. */
class DaemonAdaptersTest {
    private static final long MIB = 1024L * 1024;

    @TempDir
    Path dir;
    FakeDaemon daemon;
    AdminClient client;
    DaemonAdmin admin;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new FakeDaemon(dir);
        client = new AdminClient(daemon.socket(), Duration.ofSeconds(5));
        admin = new DaemonAdmin(client);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        daemon.close();
    }

    private static String vm(String name, boolean autoscaled) {
        String labels = autoscaled ? ",\"labels\":{\"autoscaling.neon.tech/enabled\":\"true\"}" : "";
        return "{\"apiVersion\":\"vm.neon.tech/v1\",\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"" + name + "\"" + labels
                + "},\"spec\":{\"guest\":{\"cpus\":{\"min\":\"250m\",\"use\":\"250m\",\"max\":4},\"memorySlotSize\":\"1Gi\","
                + "\"memorySlots\":{\"min\":1,\"use\":1,\"max\":4}}},\"status\":{\"phase\":\"Running\",\"cpus\":\"250m\"}}";
    }

    @Test
    void shouldPatchUseAndTargetRevisionAsOneJsonPatch() throws Exception {
        daemon.onJson("PATCH /v1/vms/pg", 200, vm("pg", true));

        assertEquals(PatchOutcome.APPLIED, admin.patchUse("pg", new Allocation(1250, 2048 * MIB), 1024 * MIB, 7));

        FakeDaemon.Recorded r = daemon.onlyRequest();
        assertEquals("application/json-patch+json", r.contentType());
        JsonNode patch = ApiMapper.json().readTree(r.bodyText());
        assertEquals("/spec/guest/cpus/use", patch.get(0).path("path").asText());
        assertEquals("1250m", patch.get(0).path("value").asText());
        assertEquals(2, patch.get(1).path("value").asInt());
        assertEquals(7, patch.get(2).path("value").path("revision").path("value").asLong());
    }

    @Test
    void shouldTakeAMigrationConflictAsAnAnswerAndOtherErrorsAsFailures() {
        daemon.onJson("PATCH /v1/vms/pg", 409, FakeDaemon.error(409,
                "VM pg is migrating to 10.0.0.2:7451 (migration x): its spec cannot change until the migration ends"));
        daemon.onJson("PATCH /v1/vms/other", 422, FakeDaemon.error(422, "spec.guest.cpus.use: must be between 1 and 4"));

        assertInstanceOf(PatchOutcome.RefusedMigrating.class,
                admin.patchUse("pg", new Allocation(1000, 1024 * MIB), 1024 * MIB, 1));
        DaemonAdmin.DaemonRefused e = assertThrows(DaemonAdmin.DaemonRefused.class,
                () -> admin.patchUse("other", new Allocation(1000, 1024 * MIB), 1024 * MIB, 1));
        assertEquals("422: spec.guest.cpus.use: must be between 1 and 4", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> admin.patchUse("pg", new Allocation(1000, 1000), 1024 * MIB, 1),
                "memory must be whole slots");
    }

    @Test
    void shouldFollowOnlyAutoscaledVmsAndPassEachSampleOnce() {
        daemon.onJson("GET /v1/vms", 200, "{\"items\":[" + vm("pg", true) + "," + vm("plain", false) + "]}");
        daemon.onJson("GET /v1/vms/pg/metrics", 200, "{\"vm\":\"pg\",\"channel\":\"Connected\",\"metrics\":{\"id\":11,"
                + "\"loadAvg1\":1.5,\"memTotalBytes\":1000,\"memAvailableBytes\":400},\"host\":{\"cpuBusyFraction\":0.97}}");
        AgentRunner runner = new AgentRunner(new ScalingCore(ScalingConfig.vmflex()), null, null, null, EventSink.NONE,
                InstantSource.fixed(java.time.Instant.EPOCH));
        DaemonObserver observer = new DaemonObserver(admin, runner, ComputeUnit.DEFAULT, InstantSource.system());

        assertEquals(1, observer.poll());
        observer.poll();
        runner.doWork();

        assertEquals(1, runner.size(), "only the labelled VM");
        assertEquals(1024 * MIB, observer.slotBytes("pg"));
        assertEquals(0, observer.slotBytes("plain"));
        long metricsAsked = daemon.requests().stream().filter(r -> r.path().endsWith("/metrics")).count();
        assertEquals(2, metricsAsked);

        daemon.onJson("GET /v1/vms", 200, "{\"items\":[]}");
        assertEquals(0, observer.poll());
        runner.doWork();
        assertEquals(0, runner.size(), "a deleted VM is forgotten");
    }

    @Test
    void shouldReadTheHostsBusyFractionAndTheGuestsMemory() throws Exception {
        JsonNode m = ApiMapper.json().readTree("{\"loadAvg1\":2.0,\"memTotalBytes\":1000,\"memAvailableBytes\":250}");
        JsonNode host = ApiMapper.json().readTree("{\"cpuBusyFraction\":0.5}");

        assertEquals(new GuestMetrics(2.0, 0.5, 750, 1000, 42), DaemonObserver.metrics(m, host, 42));
        assertTrue(Double.isNaN(DaemonObserver.metrics(m, null, 42).cpuBusyFraction()), "no host figure: unknown");
        JsonNode withGuestBusy = ApiMapper.json().readTree(
                "{\"loadAvg1\":2.0,\"memTotalBytes\":1000,\"memAvailableBytes\":250,\"cpuBusy\":0.9}");
        assertEquals(0.9, DaemonObserver.metrics(withGuestBusy, host, 42).guestCpuBusy());
        JsonNode firstReport = ApiMapper.json().readTree(
                "{\"loadAvg1\":2.0,\"memTotalBytes\":1000,\"memAvailableBytes\":250,\"cpuBusy\":-1}");
        assertTrue(Double.isNaN(DaemonObserver.metrics(firstReport, host, 42).guestCpuBusy()), "-1: not known");
    }

    @Test
    void shouldAskTheMonitorThroughTheDaemon() throws Exception {
        daemon.onJson("POST /v1/vms/pg/monitor/downscale", 200, "{\"ok\":false,\"status\":\"would leave 12 MiB\"}");
        daemon.onJson("POST /v1/vms/pg/monitor/upscale", 200, "{\"confirmed\":true}");
        DaemonPorts ports = new DaemonPorts(admin, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor(),
                name -> 1024 * MIB);

        var answer = ports.requestDownscale("pg", new Allocation(250, 1024 * MIB)).toCompletableFuture().get();
        ports.notifyUpscale("pg", new Allocation(1000, 2048 * MIB)).toCompletableFuture().get();

        assertFalse(answer.approved());
        assertEquals("would leave 12 MiB", answer.status());
        JsonNode down = ApiMapper.json().readTree(daemon.requests().get(0).bodyText());
        assertEquals("250m", down.path("cpu").asText());
        assertEquals(1024 * MIB, down.path("memory").asLong());
        CompletableFuture<?> failing = ports.notifyUpscale("gone", new Allocation(1, 1)).toCompletableFuture();
        assertThrows(java.util.concurrent.ExecutionException.class, failing::get, "an unrouted call fails the stage");
    }
}
