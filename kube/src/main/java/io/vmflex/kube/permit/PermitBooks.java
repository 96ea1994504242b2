package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.Pod;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ReportResult;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.node.LocalName;
import io.vmflex.kube.node.ObjectKey;
import io.vmflex.kube.placement.ClusterCache;
import io.vmflex.kube.placement.KubeObjects;
import io.vmflex.kube.placement.NodeInfo;
import io.vmflex.kube.placement.VmInfo;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.scheduler.core.VmView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The leader's permit books: the standalone scheduler ({@link Scheduler}, the scheduler-plugin's
 * accounting) kept in step with the cluster, and the rule of who may ask about what.
 *
 * <ul>
 *   <li>Nodes and their size come from the VM Node objects (allocatable minus what pods request, as
 *       placement counts them). A node starts unsynced: no increase on it until its agent's report
 *       (every VM it runs, what each uses, the permit its agent holds) has been taken; until then a
 *       permit request is answered 428 so that the agent reports. VMs bound to the node that the
 *       report leaves out are booked from their objects. So a fresh leader grants nothing before it
 *       has re-read both the API and the agents' permits; the per-VM seq stops double grants.</li>
 *   <li>A VM bound to a synced node later (placement, a migration) is booked at its use from its
 *       object; a VM gone from the API, or bound elsewhere, is released.</li>
 *   <li>A caller may ask only about VMs whose object carries {@code vmflex.io/node=<its node>}, and
 *       report only its own node; anything else is refused (403), nothing decided.</li>
 * </ul>
 *
 * VMs are named in the books by the node daemon's local name ({@link LocalName}), which is what the
 * agent sees and sends.
 *
 * <p>Thread-safe: decisions go through the {@link Scheduler}'s lock; the cluster sync runs on one
 * thread, coalescing changes.
 */
public final class PermitBooks implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PermitBooks.class);

    /** What a call came to. */
    public sealed interface Answer {
        record Decided(PermitResponse response) implements Answer {
        }

        record Reported(ReportResult result, List<String> refused) implements Answer {
        }

        /** 428: the node has not reported since this leader started; the agent reports and asks again. */
        record ReportNeeded(String reason) implements Answer {
        }

        /** @param status 403 (not the caller's) or 400 */
        record Refused(int status, String reason) implements Answer {
        }
    }

    private final Scheduler scheduler;
    private final ClusterCache cache;
    private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vmflex-permit-sync");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final Runnable wake = this::requestSync;
    private final Runnable onDecided;

    /**
     * @param onDecided run after each permit decided (on the caller's thread; must not block): readers of the
     *                  books such as the watermark rounds look again
     */
    public PermitBooks(Scheduler scheduler, ClusterCache cache, Runnable onDecided) {
        this.scheduler = scheduler;
        this.cache = cache;
        this.onDecided = onDecided;
    }

    /** Waits for the cache's lists, books the nodes and follows changes. */
    public void start() {
        cache.awaitSynced();
        cache.addListener(wake);
        sync();
    }

    /** The books, for metrics and for readers of the node accounts (watermark). */
    public Scheduler scheduler() {
        return scheduler;
    }

    public Answer permit(PermitCaller caller, PermitRequest r) {
        if (!r.node().equals(caller.node())) {
            return new Answer.Refused(403, "the caller runs on node " + caller.node() + " and may not ask for node " + r.node());
        }
        Optional<VmInfo> vm = boundObject(r.vm());
        if (vm.isEmpty() || !caller.node().equals(vm.get().boundNode())) {
            return new Answer.Refused(403, "VM " + r.vm() + " is not bound to node " + caller.node()
                    + (vm.isEmpty() ? " (no such VirtualMachine)" : ""));
        }
        Optional<NodeView> node = scheduler.node(caller.node());
        if (node.isEmpty() || !node.get().synced()) {
            return new Answer.ReportNeeded("node " + caller.node() + " has not reported what it runs since this scheduler"
                    + " started leading; report, then ask again");
        }
        if (scheduler.vm(r.vm()).isEmpty()) {
            // bound after the last sync: book it from its object before deciding
            scheduler.bookRunning(caller.node(), vmReport(r.vm(), vm.get(), null));
        }
        PermitResponse response = scheduler.requestPermit(r);
        onDecided.run();
        return new Answer.Decided(response);
    }

    public Answer report(PermitCaller caller, NodeReport r) {
        if (!r.node().equals(caller.node())) {
            return new Answer.Refused(403, "the caller runs on node " + caller.node() + " and may not report node " + r.node());
        }
        if (scheduler.node(caller.node()).isEmpty()) {
            sync();
            if (scheduler.node(caller.node()).isEmpty()) {
                return new Answer.Refused(403, "node " + caller.node() + " is not a VM node (label vmflex.io/vm-node=true)");
            }
        }
        List<NodeReport.VmReport> kept = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (NodeReport.VmReport v : r.vms()) {
            Optional<VmInfo> vm = boundObject(v.vm());
            if (vm.isEmpty() || !caller.node().equals(vm.get().boundNode())) {
                refused.add(v.vm());
                continue;
            }
            kept.add(vmReport(v.vm(), vm.get(), v));
        }
        ReportResult result = scheduler.report(new NodeReport(r.version(), r.node(), kept));
        if (!refused.isEmpty()) {
            LOG.warn("report of node {} listed VMs not bound to it, left out: {}", caller.node(), refused);
        }
        requestSync();
        return new Answer.Reported(result, refused);
    }

    /** The object a local name stands for, when it exists and is bound to a node. */
    private Optional<VmInfo> boundObject(String local) {
        Optional<ObjectKey> key = LocalName.decode(local);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        Optional<NeonVm> object = cache.vm(key.get().namespace(), key.get().name());
        return object.map(KubeObjects::vm).filter(vm -> vm.boundNode() != null);
    }

    /**
     * A VM as the books take it: its use the larger of what the object and the node say (capped at the
     * object's max), the agent's permit and seq as the node reported them.
     */
    private static NodeReport.VmReport vmReport(String local, VmInfo vm, NodeReport.VmReport reported) {
        Amount max = vm.max();
        long cpu = vm.use().cpuMillis();
        long mem = vm.use().memBytes();
        if (reported != null) {
            cpu = Math.max(cpu, reported.use().cpuMillis());
            mem = Math.max(mem, reported.use().memBytes());
        }
        ResourceAmount maxWire = new ResourceAmount(Math.min(max.cpuMillis(), ResourceAmount.MAX_CPU_MILLIS),
                Math.min(max.memBytes(), ResourceAmount.MAX_MEM_BYTES));
        ResourceAmount use = new ResourceAmount(Math.min(cpu, maxWire.cpuMillis()), Math.min(mem, maxWire.memBytes()));
        boolean autoMigration = reported != null && reported.autoMigration();
        return new NodeReport.VmReport(local, use, maxWire, reported == null ? null : reported.lastPermit(),
                reported == null ? 0 : reported.lastSeq(), vm.createdAt(), autoMigration);
    }

    private void requestSync() {
        if (syncQueued.compareAndSet(false, true)) {
            try {
                syncer.execute(() -> {
                    syncQueued.set(false);
                    try {
                        sync();
                    } catch (RuntimeException e) {
                        LOG.error("permit books could not follow the cluster", e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                syncQueued.set(false);
            }
        }
    }

    /** Nodes and bound VMs from the cache into the books. */
    private synchronized void sync() {
        Map<String, Amount> podRequests = new HashMap<>();
        for (Pod pod : cache.pods()) {
            if (KubeObjects.holdsNode(pod)) {
                podRequests.merge(pod.getSpec().getNodeName(), KubeObjects.podRequests(pod),
                        (a, b) -> new Amount(a.cpuMillis() + b.cpuMillis(), a.memBytes() + b.memBytes()));
            }
        }
        Set<String> nodes = new HashSet<>();
        for (var object : cache.nodes()) {
            NodeInfo node = KubeObjects.node(object);
            nodes.add(node.name());
            scheduler.addNode(node.name(), node.allocatable(), podRequests.getOrDefault(node.name(), Amount.ZERO));
        }
        Map<String, VmInfo> bound = new HashMap<>();
        for (NeonVm object : cache.vms()) {
            VmInfo vm = KubeObjects.vm(object);
            if (vm.boundNode() == null || vm.finished()) {
                continue;
            }
            if (LocalName.encode(new ObjectKey(vm.namespace(), vm.name())) instanceof LocalName.Encoded.Name(String local)) {
                bound.put(local, vm);
            }
        }
        for (NodeView node : scheduler.nodes()) {
            if (!nodes.contains(node.name())) {
                LOG.info("node {} is no VM node any more: released {}", node.name(), scheduler.removeNode(node.name()));
                continue;
            }
            for (VmView vm : node.vms()) {
                VmInfo object = bound.get(vm.vm());
                if (object == null || !node.name().equals(object.boundNode())) {
                    scheduler.deleteVm(vm.vm());
                }
            }
        }
        for (Map.Entry<String, VmInfo> e : bound.entrySet()) {
            if (scheduler.vm(e.getKey()).isEmpty()) {
                scheduler.bookRunning(e.getValue().boundNode(), vmReport(e.getKey(), e.getValue(), null));
            }
        }
    }

    @Override
    public void close() {
        cache.removeListener(wake);
        syncer.shutdownNow();
    }
}
