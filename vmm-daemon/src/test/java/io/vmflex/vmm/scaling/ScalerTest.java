package io.vmflex.vmm.scaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.QmpChannel;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.store.StateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScalerTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String TYPE = "qemu64-x86_64-cpu";

    @TempDir
    Path dir;

    private final EventBus events = new EventBus(100);

    /** A QEMU with four one-vCPU sockets, socket 0 booted; unplugs stay pending until released. */
    private static final class FakeQemu implements QmpChannel {
        final String[] qom = {"/machine/unattached/device[0]", null, null, null};
        final List<String> commands = new ArrayList<>();
        int failDeviceAddAfter = Integer.MAX_VALUE;

        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode args) {
            commands.add(command);
            switch (command) {
                case "query-hotpluggable-cpus" -> {
                    ArrayNode a = NODES.arrayNode();
                    for (int i = 0; i < qom.length; i++) {
                        ObjectNode s = a.addObject();
                        s.put("type", TYPE);
                        s.putObject("props").put("socket-id", i).put("core-id", 0).put("thread-id", 0);
                        if (qom[i] != null) {
                            s.put("qom-path", qom[i]);
                        }
                    }
                    return CompletableFuture.completedFuture(a);
                }
                case "device_add" -> {
                    if (failDeviceAddAfter-- <= 0) {
                        return CompletableFuture.failedFuture(new IllegalStateException("no room"));
                    }
                    qom[args.get("socket-id").asInt()] = "/machine/peripheral/" + args.get("id").asText();
                    return CompletableFuture.completedFuture(NODES.objectNode());
                }
                case "device_del" -> {
                    return CompletableFuture.completedFuture(NODES.objectNode());
                }
                default -> {
                    return CompletableFuture.failedFuture(new IllegalArgumentException(command));
                }
            }
        }

        void release(int socket) {
            qom[socket] = null;
        }
    }

    private NodeContext node(boolean unplugSafe) {
        return new NodeContext("node-a", null, QemuVmConfig.Accel.tcg, null, null, null, events, null, "vmflex",
                unplugSafe, true, 1 << 20, 2 << 20, null, Clock.systemUTC());
    }

    private Scaler scaler(boolean unplugSafe) throws Exception {
        NodeContext node = node(unplugSafe);
        return new Scaler("vm1", node, new StateStore(dir), new VmCgroup(node, "vm1"));
    }

    private static SpecView spec(int cpus) {
        return new SpecView("vm1", 1, 4, cpus, cpus * 1000L, 128 << 20, 2, 2, 2, "img", null, null, RestartPolicy.Always);
    }

    private static QemuRuntime runtime(int budget, int plugs) {
        return new QemuRuntime(42, 1, "tcg", Instant.EPOCH, 1, 4, 256 << 20, 0, budget, plugs, 0);
    }

    private static final Observation STARTED = new Observation(VmPhase.Running, 1, 1000, 256 << 20, 42, "tcg", 3,
            "Started", "QEMU running");

    private long count(String reason) {
        return events.recent().stream().filter(e -> e.reason().equals(reason)).count();
    }

    @Test
    void shouldPlugAndConvergeWhenBudgetAllows() throws Exception {
        FakeQemu qemu = new FakeQemu();
        Scaler.Outcome out = scaler(true).scale(new QmpOps(qemu, Duration.ofSeconds(1)), spec(3), runtime(32, 0), STARTED, 42);
        assertTrue(out.converged());
        assertEquals(2, out.runtime().cpuPlugs());
        assertEquals(new Observation(VmPhase.Running, 3, 3000, 256 << 20, 42, "tcg", 3, "Running",
                "QEMU reports the spec's vCPUs and memory"), out.observation());
        assertEquals(2, count("CpuPlugged"));
    }

    @Test
    void shouldStopPluggingAndWarnOnceWhenPlugBudgetIsExhausted() throws Exception {
        FakeQemu qemu = new FakeQemu();
        Scaler s = scaler(true);
        Scaler.Outcome out = s.scale(new QmpOps(qemu, Duration.ofSeconds(1)), spec(4), runtime(1, 0), STARTED, 42);
        assertFalse(out.converged());
        assertEquals(1, out.runtime().cpuPlugs());
        assertEquals(VmPhase.Scaling, out.observation().phase());
        assertEquals(2, out.observation().cpus());
        s.scale(new QmpOps(qemu, Duration.ofSeconds(1)), spec(4), out.runtime(), out.observation(), 42);
        assertEquals(1, count("CpuPlugBudgetExhausted"));
        s.onQemuStarted();
        s.scale(new QmpOps(new FakeQemu(), Duration.ofSeconds(1)), spec(4), runtime(0, 0), STARTED, 43);
        assertEquals(2, count("CpuPlugBudgetExhausted"));
    }

    @Test
    void shouldKeepPlugsCountedAndTheOldObservationWhenAStepFails() throws Exception {
        FakeQemu qemu = new FakeQemu();
        qemu.failDeviceAddAfter = 1;
        Scaler.Outcome out = scaler(true).scale(new QmpOps(qemu, Duration.ofSeconds(1)), spec(4), runtime(32, 5), STARTED, 42);
        assertFalse(out.converged());
        assertSame(STARTED, out.observation());
        assertEquals(6, out.runtime().cpuPlugs());
        assertEquals(1, count("QmpError"));
    }

    @Test
    void shouldNotRepeatAnUnplugAndReportItWhenTheGuestReleasedTheCpu() throws Exception {
        FakeQemu qemu = new FakeQemu();
        Scaler s = scaler(true);
        QmpOps ops = new QmpOps(qemu, Duration.ofSeconds(1));
        Scaler.Outcome up = s.scale(ops, spec(2), runtime(32, 0), STARTED, 42);
        Scaler.Outcome down = s.scale(ops, spec(1), up.runtime(), up.observation(), 42);
        assertFalse(down.converged());
        s.scale(ops, spec(1), down.runtime(), down.observation(), 42);
        assertEquals(1, qemu.commands.stream().filter("device_del"::equals).count());
        assertEquals(1, down.runtime().cpuUnplugs(), "the unplug counted: under TCG it decides whether this QEMU can migrate");
        s.onDeviceDeleted("cpu-7-0-0");
        assertEquals(0, count("CpuUnplugged"));
        qemu.release(1);
        s.onDeviceDeleted("cpu-1-0-0");
        assertEquals(1, count("CpuUnplugged"));
        assertTrue(s.scale(ops, spec(1), down.runtime(), down.observation(), 42).converged());
    }

    @Test
    void shouldKeepSurplusCpusAndWarnOnceWhenUnplugIsUnsafe() throws Exception {
        FakeQemu qemu = new FakeQemu();
        Scaler s = scaler(false);
        QmpOps ops = new QmpOps(qemu, Duration.ofSeconds(1));
        Scaler.Outcome up = s.scale(ops, spec(3), runtime(32, 0), STARTED, 42);
        s.scale(ops, spec(1), up.runtime(), up.observation(), 42);
        Scaler.Outcome down = s.scale(ops, spec(1), up.runtime(), up.observation(), 42);
        assertFalse(down.converged());
        assertEquals(3, down.observation().cpus());
        assertFalse(qemu.commands.contains("device_del"));
        assertEquals(1, count("CpuUnplugUnsafe"));
        assertEquals(List.of(), events.recent().stream().filter(e -> e.type() == VmEvent.Type.Warning
                && !e.reason().equals("CpuUnplugUnsafe")).toList());
    }

    /** A guest that answers SetCpusOnline when the test says so. */
    private static final class FakeGuestCpus implements GuestCpus {
        int online = -1;
        final List<Integer> asked = new ArrayList<>();

        @Override
        public int online() {
            return online;
        }

        @Override
        public void request(int cpus) {
            asked.add(cpus);
        }

        @Override
        public void reset() {
            online = -1;
        }
    }

    private static SpecView sysfsSpec(int cpus) {
        return new SpecView("vm1", 4, 4, cpus, cpus * 1000L, 128 << 20, 2, 2, 2, "img", null, null, RestartPolicy.Always, true);
    }

    @Test
    void shouldAskTheGuestInsteadOfPluggingAndReportWhatItHasOnlineUnderSysfsScaling() throws Exception {
        FakeQemu qemu = new FakeQemu();
        for (int i = 1; i < 4; i++) {
            qemu.qom[i] = "/machine/unattached/device[" + i + "]";
        }
        FakeGuestCpus guest = new FakeGuestCpus();
        NodeContext node = node(true);
        Scaler s = new Scaler("vm1", node, new StateStore(dir), new VmCgroup(node, "vm1"), guest);
        QmpOps ops = new QmpOps(qemu, Duration.ofSeconds(1));

        Scaler.Outcome waiting = s.scale(ops, sysfsSpec(1), runtime(32, 0), STARTED, 42);
        assertFalse(waiting.converged(), "converged before the guest answered");
        assertEquals(4, waiting.observation().cpus(), "all vCPUs plugged and, until the guest says otherwise, online");
        assertEquals(List.of(1), guest.asked);

        guest.online = 1;
        Scaler.Outcome done = s.scale(ops, sysfsSpec(1), waiting.runtime(), waiting.observation(), 42);
        assertTrue(done.converged());
        assertEquals(1, done.observation().cpus());
        assertEquals(List.of(1), guest.asked, "asked again once the guest had what the spec says");

        s.scale(ops, sysfsSpec(2), done.runtime(), done.observation(), 42);
        assertEquals(List.of(1, 2), guest.asked);
        assertFalse(qemu.commands.contains("device_add"), "SysfsScaling plugged a vCPU");
        assertFalse(qemu.commands.contains("device_del"), "SysfsScaling unplugged a vCPU");
        s.onQemuStarted();
        assertEquals(-1, guest.online());
    }
}
