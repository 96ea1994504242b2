package io.vmflex.cli.up;

import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Admission;
import io.vmflex.scheduler.core.AdmitRequest;
import io.vmflex.scheduler.core.Amount;

import java.time.Instant;

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

    @Override
    public String admit(VirtualMachine vm) {
        Guest g = vm.spec().guest();
        long slot = g.memorySlotSize().bytes();
        boolean autoMigration;
        try {
            autoMigration = AutoscalingSettings.of(vm).autoMigrationEnabled();
        } catch (RuntimeException e) {
            autoMigration = false;
        }
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

    @Override
    public void deleted(String vm) {
        scheduler.deleteVm(vm);
    }
}
