package io.vmflex.agent.runner;

import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.Goal;
import io.vmflex.agent.core.ScalingAction.NotifyUpscale;
import io.vmflex.agent.core.ScalingAction.PatchUse;
import io.vmflex.agent.core.ScalingAction.ReleaseToScheduler;
import io.vmflex.agent.core.ScalingAction.RequestDownscaleApproval;
import io.vmflex.agent.core.ScalingAction.RequestPermit;
import io.vmflex.agent.core.ScalingAction;
import io.vmflex.agent.core.ScalingCore;
import io.vmflex.agent.core.ScalingInput;
import io.vmflex.agent.core.ScalingState;
import io.vmflex.agent.core.Step;
import io.vmflex.agent.core.ViewMapper;
import io.vmflex.agent.core.VmView;
import io.vmflex.api.autoscaling.AutoscalingView;

import java.time.InstantSource;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Owns the scaling states of a node's VMs and runs them: feeds each input to the pure
 * {@link ScalingCore}, dispatches the actions it returns to the ports, and feeds the ports' answers
 * back as inputs. As an Agrona agent: {@link #doWork()} does one round and says how much it did;
 * the owner calls it in a loop (sleeping until {@link #nextWakeAtMs()} or the next submit), tests
 * call it with a fake clock.
 *
 * <p>Thread-safety: {@link #submit}, {@link #observe} and {@link #forget} may be called from any
 * thread (they only enqueue); everything else belongs to the one thread that calls
 * {@link #doWork()}. Port answers are enqueued, never applied on the port's thread.
 */
public final class AgentRunner {

    /** Inputs handled per {@link #doWork()} call at most, so that a flood cannot starve the timers. */
    private static final int MAX_INPUTS_PER_ROUND = 100_000;

    private final ScalingCore core;
    private final SchedulerPort scheduler;
    private final VmPatcher patcher;
    private final MonitorPort monitor;
    private final EventSink events;
    private final InstantSource clock;
    private final Queue<Envelope> inbox = new ConcurrentLinkedQueue<>();
    private final Map<String, Entry> vms = new HashMap<>();
    private final ConcurrentMap<String, AutoscalingView> views = new ConcurrentHashMap<>();

    private record Envelope(String vm, ScalingInput input) {
    }

    private static final class Entry {
        ScalingState state;
        long wakeAtMs;
        Decision lastDecision;

        Entry(ScalingState state) {
            this.state = state;
        }
    }

    public AgentRunner(ScalingCore core, SchedulerPort scheduler, VmPatcher patcher, MonitorPort monitor,
                       EventSink events, InstantSource clock) {
        this.core = core;
        this.scheduler = scheduler;
        this.patcher = patcher;
        this.monitor = monitor;
        this.events = events;
        this.clock = clock;
    }

    /** Any thread: an input for a VM. Inputs for a VM not (yet) observed are dropped. */
    public void submit(String vm, ScalingInput input) {
        inbox.add(new Envelope(vm, input));
    }

    /** Any thread: the VM as the daemon shows it now; the first observation starts following it. */
    public void observe(VmView vm) {
        submit(vm.name(), new ScalingInput.VmObserved(vm));
    }

    /** Any thread: stop following the VM (deleted, autoscaling turned off). */
    public void forget(String vm) {
        inbox.add(new Envelope(vm, null));
    }

    /** Owner thread: handles queued inputs and due timers. @return inputs and timers handled */
    public int doWork() {
        long now = clock.millis();
        int work = 0;
        Envelope envelope;
        while (work < MAX_INPUTS_PER_ROUND && (envelope = inbox.poll()) != null) {
            work++;
            handle(envelope, now);
        }
        for (Map.Entry<String, Entry> e : vms.entrySet()) {
            Entry entry = e.getValue();
            if (entry.wakeAtMs <= now) {
                work++;
                apply(e.getKey(), entry, core.nextActions(entry.state, now));
            }
        }
        return work;
    }

    /** Owner thread: the earliest timer of any VM, {@code Long.MAX_VALUE} if none. */
    public long nextWakeAtMs() {
        long next = Long.MAX_VALUE;
        for (Entry entry : vms.values()) {
            next = Math.min(next, entry.wakeAtMs);
        }
        return next;
    }

    /** Owner thread: the VM's state, null when not followed. */
    public ScalingState state(String vm) {
        Entry entry = vms.get(vm);
        return entry == null ? null : entry.state;
    }

    /** Owner thread: the VM's goal now, null when not followed. */
    public Goal goal(String vm) {
        Entry entry = vms.get(vm);
        return entry == null ? null : core.goal(entry.state, clock.millis());
    }

    /** Any thread: what the agent thinks of each VM it follows, as of its last input or timer. */
    public List<AutoscalingView> views() {
        return views.values().stream().sorted(Comparator.comparing(AutoscalingView::vm)).toList();
    }

    /** Any thread: what the agent thinks of one VM, empty when it does not follow it. */
    public Optional<AutoscalingView> view(String vm) {
        return Optional.ofNullable(views.get(vm));
    }

    public int size() {
        return vms.size();
    }

    private void handle(Envelope envelope, long now) {
        if (envelope.input() == null) {
            vms.remove(envelope.vm());
            views.remove(envelope.vm());
            return;
        }
        Entry entry = vms.get(envelope.vm());
        if (entry == null) {
            if (!(envelope.input() instanceof ScalingInput.VmObserved(VmView vm))) {
                return;
            }
            entry = new Entry(ScalingState.initial(vm));
            vms.put(envelope.vm(), entry);
        }
        apply(envelope.vm(), entry, core.onInput(entry.state, envelope.input(), now));
    }

    private void apply(String vm, Entry entry, Step step) {
        entry.state = step.state();
        entry.wakeAtMs = step.wakeAtMs();
        if (!step.decisions().isEmpty()) {
            entry.lastDecision = step.decisions().getLast();
        }
        views.put(vm, ViewMapper.view(entry.state, core.goal(entry.state, clock.millis()), entry.lastDecision));
        step.decisions().forEach(events::decision);
        step.latencies().forEach(events::latency);
        for (ScalingAction action : step.actions()) {
            dispatch(vm, action);
        }
    }

    private void dispatch(String vm, ScalingAction action) {
        long chain = action.chain();
        switch (action) {
            case RequestPermit r -> call(vm, () -> scheduler.requestPermit(r.request()),
                    permit -> new ScalingInput.PermitGranted(chain, permit),
                    why -> new ScalingInput.PermitFailed(chain, why));
            case PatchUse p -> call(vm, () -> patcher.patchUse(p.vm(), p.use(), p.revision()),
                    outcome -> switch (outcome) {
                        case PatchOutcome.Applied applied -> new ScalingInput.PatchApplied(chain);
                        case PatchOutcome.RefusedMigrating refused ->
                                new ScalingInput.PatchRefusedMigrating(chain, refused.reason());
                    },
                    why -> new ScalingInput.PatchFailed(chain, why));
            case NotifyUpscale n -> call(vm, () -> monitor.notifyUpscale(n.vm(), n.granted()),
                    ok -> new ScalingInput.UpscaleNotified(chain),
                    why -> new ScalingInput.UpscaleNotifyFailed(chain, why));
            case RequestDownscaleApproval d -> call(vm, () -> monitor.requestDownscale(d.vm(), d.target()),
                    answer -> answer.approved() ? new ScalingInput.DownscaleApproved(chain)
                            : new ScalingInput.DownscaleDenied(chain, answer.status()),
                    why -> new ScalingInput.DownscaleApprovalFailed(chain, why));
            case ReleaseToScheduler r -> call(vm, () -> scheduler.release(r.vm(), r.node(), r.newUse()),
                    ok -> new ScalingInput.Released(chain),
                    why -> new ScalingInput.ReleaseFailed(chain, why));
        }
    }

    private <T> void call(String vm, PortCall<T> call, Function<T, ScalingInput> onResult,
                          Function<String, ScalingInput> onFailure) {
        CompletionStage<T> stage;
        try {
            stage = call.start();
        } catch (RuntimeException e) {
            submit(vm, onFailure.apply(describe(e)));
            return;
        }
        stage.whenComplete((result, error) -> submit(vm,
                error == null ? onResult.apply(result) : onFailure.apply(describe(error))));
    }

    private static String describe(Throwable error) {
        Throwable cause = error.getCause() != null && error instanceof java.util.concurrent.CompletionException
                ? error.getCause() : error;
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    @FunctionalInterface
    private interface PortCall<T> {
        CompletionStage<T> start();
    }
}
