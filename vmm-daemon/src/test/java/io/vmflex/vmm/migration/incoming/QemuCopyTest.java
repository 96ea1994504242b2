package io.vmflex.vmm.migration.incoming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.sys.ProcessStat;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.migration.qemu.IncomingLoad;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.QmpSession;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.StateStore;
import io.vmflex.vmm.supervisor.RecoveryHook;
import io.vmflex.vmm.supervisor.VmRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Removing a prepared copy runs every step whatever fails, and always releases the VM's name. The
 * copy's "QEMU" is a {@code sleep} process (tracked by pidfd like QEMU), its QMP session a fake.
 */
class QemuCopyTest {
    private static final UUID ID = UUID.fromString("1c9b7e3a-0d2f-4b6e-9a8c-7f5e4d3c2b1a");
    private final EventBus events = new EventBus(100);
    private Process sleeper;

    @TempDir
    Path stateDir;

    @AfterEach
    void killSleeper() {
        if (sleeper != null) {
            sleeper.destroyForcibly();
        }
    }

    /** A QMP session whose close fails, as a session to a wedged QEMU may. */
    private static final class FailingSession implements QmpSession {
        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
            return CompletableFuture.failedFuture(new IllegalStateException("wedged"));
        }

        @Override
        public void close() {
            throw new IllegalStateException("QMP socket close failed");
        }
    }

    @Test
    void shouldRunEveryCleanupStepAndReleaseTheNameWhenOneStepFails() throws Exception {
        NodeContext node = new NodeContext("node-b", null, QemuVmConfig.Accel.tcg, null, null, null, events, null,
                "vmflex", true, true, 1 << 20, 2 << 20, null, Clock.systemUTC());
        StateStore store = new StateStore(stateDir);
        VmRegistry registry = new VmRegistry(node, store, RecoveryHook.NONE);
        VirtualMachine vm = ApiMapper.json().readValue("""
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"vm1"},
                 "spec":{"guest":{"cpus":{"min":1,"use":1,"max":1},"memorySlotSize":"128Mi",
                                  "memorySlots":{"min":1,"use":1,"max":1}}}}""", VirtualMachine.class);
        assertTrue(registry.expectArrival("vm1", ID));
        VmPaths paths = store.paths("vm1");
        Files.createDirectories(paths.dir());
        Files.writeString(paths.incomingMarker(), "{}");
        store.saveVm(vm);

        sleeper = new ProcessBuilder("sleep", "300").start();
        int pid = (int) sleeper.pid();
        QemuRuntime rt = new QemuRuntime(pid, ProcessStat.startTime(pid), "tcg", Instant.now(), 1, 1, 0, 0, 0, 0, 0);
        QemuProcess process = QemuProcess.adopt(rt);
        assertNotNull(process);

        QemuCopy copy = new QemuCopy(ID, "vm1", vm, paths, rt, process, new FailingSession(), new IncomingLoad(), null,
                null, false, node, store, registry);
        copy.discard("the source aborted");

        // discard() saw the pidfd report the exit; the JDK's own reaper thread may reap a moment later.
        assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS), "the copy's QEMU must be killed although closing QMP failed first");
        assertFalse(Files.exists(paths.dir()), "the copy's folder must go");
        assertFalse(registry.arrivalExpected("vm1"), "the VM's name must be released");
        List<VmEvent> aborted = events.recent().stream().filter(e -> e.reason().equals("IncomingMigrationAborted")).toList();
        assertEquals(1, aborted.size());
        assertTrue(aborted.getFirst().message().contains("close QMP: QMP socket close failed"), aborted.getFirst().message());
    }
}
