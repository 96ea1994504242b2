package io.vmflex.kube.placement;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.scheduler.core.Amount;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The leader's work: every change in the {@link ClusterCache} (watches on VM Nodes, Pods and
 * VirtualMachines) wakes one loop thread that runs a {@link PlacementRound}
 * over the cache and hands its decisions to writer threads. Changes that arrive while a round runs are
 * coalesced into the next one. Nothing is stored elsewhere: all of it comes from the API's lists and
 * watches.
 *
 * <p>Between a binding written and its watch event, the cache still shows the VM pending; the binding is
 * <em>assumed</em> (as kube-scheduler does): the next rounds see the VM on its node, so it is neither
 * placed twice nor its room given away. A failed binding drops the assumption and wakes a round.
 * Likewise an unschedulable mark in flight is not written again.
 *
 * <p>Thread-safety: {@link #start()} and {@link #close()} from one owner; informer callbacks and writers
 * only wake the loop and touch the concurrent maps.
 */
public final class PlacementController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlacementController.class);
    /** After a conflict the watch brings the newer object; this wake covers an event that came first. */
    private static final Duration STALE_RECHECK = Duration.ofMillis(200);

    private record Assumed(String uid, String node) {
    }

    private final PlacementRound.Policy policy;
    private final VmWriter writer;
    private final SchedulingEvents events;
    private final Map<String, Assumed> assumed = new ConcurrentHashMap<>();
    private final Map<String, String> marking = new ConcurrentHashMap<>();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong bound = new AtomicLong();
    private final ClusterCache cache;

    private final RoundLoop loop;
    private final Runnable wake;

    public PlacementController(KubernetesClient client, ClusterCache cache, SchedulerSettings settings, Clock clock) {
        this.cache = cache;
        this.loop = new RoundLoop("vmflex-placement", settings.writeParallelism(), this::round);
        this.wake = loop::wake;
        this.policy = new PlacementRound.Policy(settings.scheduleUnnamed());
        this.writer = new VmWriter(client, clock);
        this.events = new SchedulingEvents(client, clock, settings.identity());
    }

    /** Waits for the cache's first lists, then runs the loop; returns once it runs. */
    public void start() {
        if (loop.running()) {
            return;
        }
        cache.awaitSynced();
        cache.addListener(wake);
        loop.start();
        LOG.info("placement started: {} VM nodes, {} pods, {} VirtualMachines", cache.nodes().size(), cache.pods().size(),
                cache.vms().size());
    }

    /** Rounds run so far (each over the whole cache). */
    public long rounds() {
        return rounds.get();
    }

    /** Bindings written by this controller. */
    public long bindings() {
        return bound.get();
    }

    private void round() {
        rounds.incrementAndGet();
        Map<String, NeonVm> objects = new HashMap<>();
        List<VmInfo> infos = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (NeonVm object : cache.vms()) {
            VmInfo vm = KubeObjects.vm(object);
            present.add(vm.key());
            objects.put(vm.key(), object);
            Assumed a = assumed.get(vm.key());
            if (a != null) {
                if (vm.boundNode() != null || !a.uid().equals(vm.uid())) {
                    assumed.remove(vm.key(), a);
                } else {
                    vm = vm.boundTo(a.node());
                }
            }
            String mark = marking.get(vm.key());
            if (mark != null && vm.scheduled() != null && mark.equals(vm.scheduled().message())) {
                marking.remove(vm.key(), mark);
            }
            infos.add(vm);
        }
        assumed.keySet().retainAll(present);
        marking.keySet().retainAll(present);

        List<NodeInfo> nodeInfos = cache.nodes().stream().map(KubeObjects::node).toList();
        Map<String, Amount> podRequests = new HashMap<>();
        for (Pod pod : cache.pods()) {
            if (KubeObjects.holdsNode(pod)) {
                podRequests.merge(pod.getSpec().getNodeName(), KubeObjects.podRequests(pod),
                        (a, b) -> new Amount(a.cpuMillis() + b.cpuMillis(), a.memBytes() + b.memBytes()));
            }
        }
        for (Decision d : PlacementRound.plan(new ClusterSnapshot(nodeInfos, podRequests, infos,
                KubeObjects.incoming(cache.migrations())), policy)) {
            switch (d) {
                case Decision.Bind b -> {
                    assumed.put(b.vm().key(), new Assumed(b.vm().uid(), b.node()));
                    loop.submit(() -> bind(b));
                }
                case Decision.MarkUnschedulable u -> {
                    if (u.message().equals(marking.put(u.vm().key(), u.message()))) {
                        continue;
                    }
                    NeonVm object = objects.get(u.vm().key());
                    loop.submit(() -> markUnschedulable(u, object));
                }
            }
        }
    }

    private void bind(Decision.Bind b) {
        VmInfo vm = b.vm();
        VmWriter.Outcome outcome = writer.bind(vm, b.node());
        switch (outcome) {
            case VmWriter.Outcome.Written w -> {
                bound.incrementAndGet();
                loop.succeeded();
                LOG.info("bound {} to {} (score {})", vm.key(), b.node(), b.score());
                events.normal(vm, "Scheduled", "Successfully assigned " + vm.key() + " to " + b.node());
            }
            case VmWriter.Outcome.Stale s -> {
                assumed.remove(vm.key());
                loop.wakeLater(STALE_RECHECK);
            }
            case VmWriter.Outcome.Gone g -> assumed.remove(vm.key());
            case VmWriter.Outcome.Failed f -> {
                // the label may or may not be on: drop the assumption; the cache will say which
                assumed.remove(vm.key());
                LOG.warn("binding {} to {} failed: {}", vm.key(), b.node(), f.message());
                loop.backoff();
            }
        }
    }

    private void markUnschedulable(Decision.MarkUnschedulable u, NeonVm object) {
        VmInfo vm = u.vm();
        switch (writer.markUnschedulable(vm, object, u.message())) {
            case VmWriter.Outcome.Written w -> {
                LOG.info("{} is unschedulable: {}", vm.key(), u.message());
                events.warning(vm, "FailedScheduling", u.message());
            }
            case VmWriter.Outcome.Stale s -> {
                marking.remove(vm.key(), u.message());
                loop.wakeLater(STALE_RECHECK);
            }
            case VmWriter.Outcome.Gone g -> marking.remove(vm.key(), u.message());
            case VmWriter.Outcome.Failed f -> {
                marking.remove(vm.key(), u.message());
                LOG.warn("marking {} unschedulable failed: {}", vm.key(), f.message());
                loop.backoff();
            }
        }
    }

    /** Stops the loop and the writers (the cache is its owner's); writes in flight may still land. */
    @Override
    public void close() {
        cache.removeListener(wake);
        loop.close();
    }
}
