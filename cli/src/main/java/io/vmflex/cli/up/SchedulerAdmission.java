package io.vmflex.cli.up;

import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Admission;
import io.vmflex.scheduler.core.AdmitRequest;
import io.vmflex.scheduler.core.Amount;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's admission check answered by the in-process scheduler: a new VM is created only when
 * what it boots with fits the node beside what is already reserved, and a deleted VM's reservation
 * is released. Thread-safe (the scheduler is).
 */
public final class SchedulerAdmission implements io.vmflex.vmm.api.Admission {
    private final Scheduler scheduler;
    private final String node;

    public SchedulerAdmission(Scheduler scheduler, String node) {
        this.scheduler = scheduler;
        this.node = node;
    }

    /** Books what already runs (as the node's report would), so the node counts as reported at once. */
    @Override
    public void recovered(List<VirtualMachine> vms) {
        List<NodeReport.VmReport> running = new ArrayList<>();
        for (VirtualMachine vm : vms) {
            Guest g = vm.spec().guest();
            long slot = g.memorySlotSize().bytes();
            running.add(new NodeReport.VmReport(vm.name(), new ResourceAmount(g.cpus().use().millis(), slot * g.memorySlots().use()),
                    new ResourceAmount(g.cpus().max().millis(), slot * g.memorySlots().max()), null, 0,
                    vm.metadata().creationTimestamp() == null ? Instant.EPOCH : vm.metadata().creationTimestamp(),
                    autoMigration(vm)));
        }
        scheduler.report(new NodeReport(PermitCodec.VERSION, node, running));
    }

    @Override
    public String admit(VirtualMachine vm) {
        Guest g = vm.spec().guest();
        long slot = g.memorySlotSize().bytes();
        boolean autoMigration = autoMigration(vm);
        Instant created = vm.metadata().creationTimestamp() == null ? Instant.now() : vm.metadata().creationTimestamp();
        Admission answer = scheduler.admit(new AdmitRequest(node, vm.name(),
                new Amount(g.cpus().min().millis(), slot * g.memorySlots().min()),
                new Amount(g.cpus().use().millis(), slot * g.memorySlots().use()),
                new Amount(g.cpus().max().millis(), slot * g.memorySlots().max()), created, autoMigration));
        return switch (answer) {
            case Admission.Admitted a -> null;
            case Admission.Refused r -> r.reason();
        };
    }

    private static boolean autoMigration(VirtualMachine vm) {
        try {
            return AutoscalingSettings.of(vm).autoMigrationEnabled();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void deleted(String vm) {
        scheduler.deleteVm(vm);
    }
}
