package io.vmflex.agent.sim;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.PermitRequest;
import io.vmflex.agent.runner.MonitorPort;
import io.vmflex.agent.runner.PatchOutcome;
import io.vmflex.agent.runner.SchedulerPort;
import io.vmflex.agent.runner.VmPatcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One node in memory behind the agent's three ports: a scheduler that never reserves beyond its
 * capacity and grants what fits, a daemon that applies patches to the simulated guests (409 while a
 * VM migrates), and guest monitors that approve downscales unless told to deny. Answers complete
 * at once, on the caller's thread. Records every call in order for the tests. Not thread-safe.
 */
public final class SimulatedNode implements SchedulerPort, VmPatcher, MonitorPort {

    private final Allocation capacity;
    private final Map<String, SimulatedGuest> guests = new HashMap<>();
    private final Map<String, Allocation> reserved = new HashMap<>();
    private final Set<String> migrating = new HashSet<>();
    private final Map<String, Long> revisions = new HashMap<>();
    private final List<String> calls = new ArrayList<>() {
        @Override
        public boolean add(String call) {
            return recordCalls && super.add(call);
        }
    };
    private boolean recordCalls = true;
    private boolean denyDownscale;
    private boolean failPermits;

    public SimulatedNode(Allocation capacity) {
        this.capacity = capacity;
    }

    public void add(SimulatedGuest guest) {
        guests.put(guest.name(), guest);
        reserved.put(guest.name(), guest.allocation());
    }

    public void setMigrating(String vm, boolean moving) {
        if (moving) {
            migrating.add(vm);
        } else {
            migrating.remove(vm);
        }
    }

    public void setDenyDownscale(boolean deny) {
        denyDownscale = deny;
    }

    public void setFailPermits(boolean fail) {
        failPermits = fail;
    }

    /** Whether {@link #calls()} records (benchmarks turn it off so that it does not grow). */
    public void setRecordCalls(boolean record) {
        recordCalls = record;
    }

    public List<String> calls() {
        return calls;
    }

    /** The last {@code targetRevision} patched into the VM, 0 before any. */
    public long revision(String vm) {
        return revisions.getOrDefault(vm, 0L);
    }

    public boolean isMigrating(String vm) {
        return migrating.contains(vm);
    }

    public Allocation reserved(String vm) {
        return reserved.get(vm);
    }

    @Override
    public CompletionStage<Allocation> requestPermit(PermitRequest request) {
        calls.add("permit " + request.vm() + " " + request.requested());
        if (failPermits) {
            return CompletableFuture.failedFuture(new IllegalStateException("scheduler unreachable"));
        }
        Allocation mine = reserved.getOrDefault(request.vm(), request.current());
        long cpuOthers = 0;
        long memOthers = 0;
        for (Map.Entry<String, Allocation> e : reserved.entrySet()) {
            if (!e.getKey().equals(request.vm())) {
                cpuOthers += e.getValue().cpuMillis();
                memOthers += e.getValue().memBytes();
            }
        }
        // Grant what fits, never below what the VM already holds.
        Allocation fits = new Allocation(capacity.cpuMillis() - cpuOthers, capacity.memBytes() - memOthers);
        Allocation granted = Allocation.max(Allocation.min(request.requested(), fits), Allocation.min(mine,
                request.requested()));
        granted = Allocation.max(granted, request.current());
        reserved.put(request.vm(), granted);
        return CompletableFuture.completedFuture(granted);
    }

    @Override
    public CompletionStage<Void> release(String vm, String node, Allocation newUse) {
        calls.add("release " + vm + " " + newUse);
        reserved.put(vm, newUse);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<PatchOutcome> patchUse(String vm, Allocation use, long revision) {
        if (migrating.contains(vm)) {
            calls.add("patch-refused " + vm + " " + use);
            return CompletableFuture.completedFuture(new PatchOutcome.RefusedMigrating("VM is migrating"));
        }
        calls.add("patch " + vm + " " + use);
        guests.get(vm).resize(use);
        revisions.put(vm, revision);
        return CompletableFuture.completedFuture(PatchOutcome.APPLIED);
    }

    @Override
    public CompletionStage<Void> notifyUpscale(String vm, Allocation granted) {
        calls.add("notify " + vm + " " + granted);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<DownscaleAnswer> requestDownscale(String vm, Allocation target) {
        calls.add("downscale? " + vm + " " + target + (denyDownscale ? " denied" : " approved"));
        return CompletableFuture.completedFuture(denyDownscale
                ? new DownscaleAnswer(false, "guest needs its memory")
                : new DownscaleAnswer(true, "ok"));
    }
}
