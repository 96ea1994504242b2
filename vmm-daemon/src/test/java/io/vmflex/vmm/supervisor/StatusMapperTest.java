package io.vmflex.vmm.supervisor;

import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.VmDefaults;
import io.vmflex.api.vm.Revision;
import io.vmflex.api.vm.RevisionWithTime;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VmPhase;
import io.vmflex.vmm.scaling.Observation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class StatusMapperTest {
    private static final long MI = 1L << 20;
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    private static final Instant T1 = T0.plusSeconds(3);

    /** A VM asking for 1500m and 3 of 4 slots of 256 MiB (min 1): 768 MiB. */
    private static VirtualMachine vm(long revision) {
        String yaml = """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata: {name: db}
                spec:
                  targetRevision: {revision: {value: %d, flags: 0}, updatedAt: "2026-12-06T00:00:00Z"}
                  guest:
                    cpus: {min: 1, use: 1500m, max: 2}
                    memorySlotSize: 256Mi
                    memorySlots: {min: 1, use: 3, max: 4}
                    rootDisk: {image: test}
                """.formatted(revision);
        return VmDefaults.apply(Manifests.parse(yaml.getBytes(StandardCharsets.UTF_8), true));
    }

    private static Observation seen(VmPhase phase, long cpuMillis, long memBytes) {
        return new Observation(phase, 2, cpuMillis, memBytes, 42, "tcg", 0, phase.name(), "");
    }

    @Test
    void shouldStampTheTargetRevisionOnceQemuReportsWhatTheSpecAsks() {
        RevisionWithTime now = StatusMapper.currentRevision(vm(7), seen(VmPhase.Running, 1500, 768 * MI), null, T1);
        assertEquals(new RevisionWithTime(new Revision(7L, 0L), T1), now);
    }

    @Test
    void shouldKeepTheOldRevisionWhileTheGuestLagsTheSpec() {
        RevisionWithTime old = new RevisionWithTime(new Revision(6L, 0L), T0);
        assertEquals(old, StatusMapper.currentRevision(vm(7), seen(VmPhase.Scaling, 1000, 512 * MI), old, T1));
        // Converged for the previous spec (1000m): the phase says Running but the numbers are not this spec's.
        assertEquals(old, StatusMapper.currentRevision(vm(7), seen(VmPhase.Running, 1000, 768 * MI), old, T1));
        assertEquals(old, StatusMapper.currentRevision(vm(7), seen(VmPhase.Running, 1500, 512 * MI), old, T1));
    }

    @Test
    void shouldKeepTheFirstTimeARevisionWasReached() {
        RevisionWithTime reached = new RevisionWithTime(new Revision(7L, 0L), T0);
        assertEquals(reached, StatusMapper.currentRevision(vm(7), seen(VmPhase.Running, 1500, 768 * MI), reached, T1));
    }

    @Test
    void shouldLeaveItUnsetWithoutATarget() {
        VirtualMachine noTarget = vm(7).withSpec(vm(7).spec().withTargetRevision(null));
        assertNull(StatusMapper.currentRevision(noTarget, seen(VmPhase.Running, 1500, 768 * MI), null, T1));
    }

    @Test
    void shouldSayAStoppedGuestsKernelPanickedAndCarryItsConditions() {
        GuestHealth panicked = GuestHealth.NONE.seen(new io.vmflex.vmm.console.GuestIncident.KernelPanic(
                "Kernel panic - not syncing: Out of memory", "Out of memory"), T0);
        Observation exited = new Observation(VmPhase.Failed, 0, 0, 0, 0, "tcg", 0, "GuestShutdown", "guest shut down");
        var vm = StatusMapper.withObservation(vm(7), exited, "node-1", T1, null, panicked);
        var conditions = vm.status().conditions();
        assertEquals("the guest's kernel panicked: Out of memory; guest shut down", conditions.getFirst().message());
        assertEquals("GuestKernelPanic", conditions.get(1).type());
        assertEquals(1, StatusMapper.withObservation(vm(7), exited, "node-1", T1, null, GuestHealth.NONE)
                .status().conditions().size(), "a healthy guest carries only Ready");
    }
}
