package io.vmflex.agent.permit;

import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.core.GuestMetrics;
import io.vmflex.agent.core.PermitRequest;
import io.vmflex.agent.runner.SchedulerPort;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitMetrics;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.PermitService;
import io.vmflex.api.permit.ResourceAmount;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runner's {@link SchedulerPort} over the permit protocol ({@link PermitService}: the scheduler
 * in-process in {@code vmflex up}, or a network client in cluster mode). Numbers each VM's requests
 * with a sequence that keeps increasing across agent restarts (it starts from this agent's start
 * time in microseconds), so a restarted agent is never mistaken for a retry and nothing is granted
 * twice; remembers the last permit and seq per VM for the node report.
 *
 * <p>Thread-safe; calls the service on {@code executor}.
 */
public final class PermitSchedulerPort implements SchedulerPort {

    /** What the agent last heard from the scheduler about one VM. */
    public record Held(ResourceAmount permit, long seq) {
    }

    private final PermitService scheduler;
    private final ExecutorService executor;
    private final AtomicLong seq;
    private final Map<String, Held> held = new ConcurrentHashMap<>();

    public PermitSchedulerPort(PermitService scheduler, ExecutorService executor, long startMicros) {
        this.scheduler = scheduler;
        this.executor = executor;
        this.seq = new AtomicLong(Math.max(1, startMicros));
    }

    @Override
    public CompletionStage<Allocation> requestPermit(PermitRequest request) {
        return CompletableFuture.supplyAsync(() -> {
            long n = seq.incrementAndGet();
            PermitResponse answer = scheduler.requestPermit(new io.vmflex.api.permit.PermitRequest(PermitCodec.VERSION,
                    request.vm(), request.node(), n, amount(request.current()), amount(request.requested()), null,
                    request.lastPermit() == null ? null : amount(request.lastPermit()), metrics(request.metrics())));
            if (answer.outcome() != PermitOutcome.STALE) {
                held.put(request.vm(), new Held(answer.permit(), n));
            }
            return new Allocation(answer.permit().cpuMillis(), answer.permit().memBytes());
        }, executor);
    }

    @Override
    public CompletionStage<Void> release(String vm, String node, Allocation newUse) {
        return CompletableFuture.runAsync(() -> {
            long n = seq.incrementAndGet();
            ResourceAmount use = amount(newUse);
            PermitResponse answer = scheduler.requestPermit(io.vmflex.api.permit.PermitRequest.of(vm, node, n, use, use, null));
            held.put(vm, new Held(answer.permit(), n));
        }, executor);
    }

    /** The last permit and seq for {@code vm}, or null if the scheduler never answered for it. */
    public Held held(String vm) {
        return held.get(vm);
    }

    /** Forgets a VM that is gone. */
    public void forget(String vm) {
        held.remove(vm);
    }

    private static ResourceAmount amount(Allocation a) {
        return new ResourceAmount(a.cpuMillis(), a.memBytes());
    }

    private static PermitMetrics metrics(GuestMetrics m) {
        if (m == null || !Double.isFinite(m.loadAvg1()) || !Double.isFinite(m.memUsedBytes())) {
            return null;
        }
        return new PermitMetrics(Math.min(PermitMetrics.MAX_LOAD, Math.max(0, m.loadAvg1())), 0,
                (long) Math.min(ResourceAmount.MAX_MEM_BYTES, Math.max(0, m.memUsedBytes())));
    }
}
