package io.vmflex.vmm.api;

import io.vmflex.api.vm.GuestStatus;
import io.vmflex.api.vm.VirtualMachine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changed between two looks at this node's VMs, as Kubernetes' watch reports it: a VM
 * ADDED, MODIFIED or DELETED, with the VM (the last one seen, for a deleted one). The guest
 * monitor's every-second figures (load, pressure, memory used, time of the report) do not make a
 * VM modified; its channel's state, online CPUs and total memory do.
 *
 * <p>Pure; stateless.
 */
final class VmWatch {
    private VmWatch() {
    }

    enum Type { ADDED, MODIFIED, DELETED }

    /** One line of {@code GET /v1/vms?watch=true}. */
    record Event(Type type, VirtualMachine object) {
    }

    /** The last line of a watch the daemon ends, as Kubernetes ends one: an ERROR with a Status. */
    record Ended(String type, Status object) {
        record Status(String kind, String status, String message) {
        }

        static Ended because(String why) {
            return new Ended("ERROR", new Status("Status", "Failure", why));
        }
    }

    /** The VMs by name, in the order given. */
    static Map<String, VirtualMachine> byName(List<VirtualMachine> vms) {
        Map<String, VirtualMachine> m = new LinkedHashMap<>();
        vms.forEach(vm -> m.put(vm.metadata().name(), vm));
        return m;
    }

    /** The events that take a watcher who saw {@code before} to {@code now}. */
    static List<Event> changes(Map<String, VirtualMachine> before, List<VirtualMachine> now) {
        List<Event> events = new ArrayList<>();
        Map<String, VirtualMachine> current = byName(now);
        current.forEach((name, vm) -> {
            VirtualMachine old = before.get(name);
            if (old == null) {
                events.add(new Event(Type.ADDED, vm));
            } else if (!Objects.equals(significant(old), significant(vm))) {
                events.add(new Event(Type.MODIFIED, vm));
            }
        });
        before.forEach((name, vm) -> {
            if (!current.containsKey(name)) {
                events.add(new Event(Type.DELETED, vm));
            }
        });
        return events;
    }

    /** The VM without the guest's figures that change with every report. */
    private static VirtualMachine significant(VirtualMachine vm) {
        if (vm.status() == null || vm.status().guest() == null) {
            return vm;
        }
        GuestStatus g = vm.status().guest();
        return vm.withStatus(vm.status().withGuest(
                new GuestStatus(g.channel(), g.cpusOnline(), g.memoryTotal(), null, null, null, null, null)));
    }
}
