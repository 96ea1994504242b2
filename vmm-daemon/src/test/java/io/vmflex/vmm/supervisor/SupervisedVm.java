package io.vmflex.vmm.supervisor;

import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.VmDefaults;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.sys.ProcessStat;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.store.StateStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * A supervisor re-adopting a "QEMU" as at daemon start, without QEMU: the process it tracks is a
 * {@code sleep} this fixture started (so pidfd and start-time checks are real), and QMP is a
 * {@link FakeQemu}. No network, no CPU controller, no launcher: the VM's restart policy never gets
 * to launch while the sleep runs.
 */
final class SupervisedVm implements AutoCloseable {
    static final String NAME = "vm1";
    private static final String YAML = """
            apiVersion: vm.neon.tech/v1
            kind: VirtualMachine
            metadata:
              name: vm1
            spec:
              guest:
                cpus: {min: 1, use: 1, max: 2}
                memorySlotSize: 128Mi
                memorySlots: {min: 2, use: 2, max: 4}
            """;

    final FakeQemu qemu = new FakeQemu();
    final EventBus events = new EventBus(1000);
    final StateStore store;
    final VmSupervisor supervisor;
    private final Process sleeper;

    SupervisedVm(Path stateDir) throws IOException {
        this(stateDir, "");
    }

    /** @param specLines more lines of {@code spec}, indented by two spaces */
    SupervisedVm(Path stateDir, String specLines) throws IOException {
        store = new StateStore(stateDir);
        VirtualMachine vm = VmDefaults.apply(Manifests.parse((YAML + specLines).getBytes(StandardCharsets.UTF_8), true));
        store.saveVm(vm);
        sleeper = new ProcessBuilder("sleep", "600").start();
        int pid = (int) sleeper.pid();
        QemuRuntime runtime = new QemuRuntime(pid, ProcessStat.startTime(pid), "tcg", Instant.now(), 1, 2,
                256L << 20, 256L << 20, 32, 0, 0);
        NodeContext node = new NodeContext("node-a", null, QemuVmConfig.Accel.tcg, null, null, qemu, events, null,
                "vmflex", true, true, 1 << 20, 2L << 20, null, Clock.systemUTC());
        supervisor = VmSupervisor.recover(node, store, vm, runtime, RecoveryHook.NONE);
    }

    /** The process that stands in for QEMU. */
    Process qemuProcess() {
        return sleeper;
    }

    long eventCount(String reason) {
        return events.recent().stream().map(VmEvent::reason).filter(reason::equals).count();
    }

    @Override
    public void close() {
        supervisor.detach();
        sleeper.destroyForcibly();
    }
}
