package io.vmflex.vmm.api;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.GuestStatus;
import io.vmflex.api.vm.ObjectMeta;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.api.vm.VmPhase;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VmWatchTest {
    private static VirtualMachine vm(String name, VmPhase phase) {
        return new VirtualMachine("vm.neon.tech/v1", "VirtualMachine", ObjectMeta.named(name), null,
                VirtualMachineStatus.ofPhase(phase));
    }

    private static VirtualMachine withGuest(VirtualMachine vm, String channel, int cpus, double load, Instant report) {
        return vm.withStatus(vm.status().withGuest(new GuestStatus(channel, cpus, ByteQuantity.ofBytes(1 << 30),
                ByteQuantity.ofBytes(1 << 20), load, 0.1, 0.2, report)));
    }

    @Test
    void shouldReportEveryVmAsAddedToANewWatcher() {
        VirtualMachine a = vm("a", VmPhase.Running);
        VirtualMachine b = vm("b", VmPhase.Pending);
        assertEquals(List.of(new VmWatch.Event(VmWatch.Type.ADDED, a), new VmWatch.Event(VmWatch.Type.ADDED, b)),
                VmWatch.changes(Map.of(), List.of(a, b)));
    }

    @Test
    void shouldReportModifiedAndDeletedVmsAndNothingForUnchangedOnes() {
        VirtualMachine a = vm("a", VmPhase.Running);
        VirtualMachine b = vm("b", VmPhase.Pending);
        VirtualMachine bRunning = vm("b", VmPhase.Running);
        var seen = VmWatch.byName(List.of(a, b));
        assertEquals(List.of(), VmWatch.changes(seen, List.of(a, b)));
        assertEquals(List.of(new VmWatch.Event(VmWatch.Type.MODIFIED, bRunning)), VmWatch.changes(seen, List.of(a, bRunning)));
        assertEquals(List.of(new VmWatch.Event(VmWatch.Type.DELETED, a)), VmWatch.changes(seen, List.of(b)));
    }

    @Test
    void shouldNotCountTheGuestsEverySecondFiguresAsAChange() {
        VirtualMachine a = vm("a", VmPhase.Running);
        var seen = VmWatch.byName(List.of(withGuest(a, "Connected", 2, 0.5, Instant.EPOCH)));
        assertEquals(List.of(), VmWatch.changes(seen, List.of(withGuest(a, "Connected", 2, 1.5, Instant.EPOCH.plusSeconds(1)))));
        VirtualMachine onlined = withGuest(a, "Connected", 3, 1.5, Instant.EPOCH.plusSeconds(1));
        assertEquals(List.of(new VmWatch.Event(VmWatch.Type.MODIFIED, onlined)), VmWatch.changes(seen, List.of(onlined)));
        VirtualMachine lost = withGuest(a, "Disconnected", 2, 0.5, Instant.EPOCH);
        assertEquals(List.of(new VmWatch.Event(VmWatch.Type.MODIFIED, lost)), VmWatch.changes(seen, List.of(lost)));
    }
}
