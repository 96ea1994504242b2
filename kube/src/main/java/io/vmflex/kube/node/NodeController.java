package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmflex.api.vm.VirtualMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The node daemon's Kubernetes side: runs the VirtualMachines bound to this node ({@code vmflex.io/node=<node>},
 * every namespace) on the node's daemon, and writes back their status and events.
 *
 * <pre>
 *  API server --watch (informer, relists on reconnect)--+
 *                                                       v
 *  daemon's VMs --every 250 ms: status changed?--> WorkQueue (key = namespace/name, one worker per key)
 *                                                       |
 *                       Reconcile.next(object, local VM) -> Step -> NodeVms (create/update/stop) or API (finalizer)
 *                                                       |
 *                       StatusProjection -> status subresource, only when it changed, conflicts re-read
 *  daemon's event bus -> EventThrottle -> core/v1 Events
 * </pre>
 *
 * The API server away changes nothing on the node: the informer keeps its last view (no VM is stopped
 * for an object it merely cannot see), writes are retried with backoff, and the informer's relist
 * after the reconnect brings every object back through the queue. Until the first list came back, no
 * VM is stopped for a missing object.
 *
 * <p>Thread-safe; {@link #close} stops it and leaves the VMs running.
 */
public final class NodeController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeController.class);

    /** @param resync how often every object is reconciled again without a change; @param localPoll how often the daemon's VMs are looked at */
    public record Settings(Duration resync, Duration localPoll, int workers, Duration maxBackoff) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(30), Duration.ofMillis(250), 4, Duration.ofSeconds(5));
    }

    private final String node;
    private final NodeVms vms;
    private final Clock clock;
    private final Settings settings;
    private final VmObjects objects;
    private final WorkQueue<ObjectKey> queue = new WorkQueue<>();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("kube-node-retry").factory());
    /** The object as this controller last wrote it, newer than the informer's copy until the watch catches up. */
    private final Map<ObjectKey, GenericKubernetesResource> written = new ConcurrentHashMap<>();
    private final Map<ObjectKey, String> lastRefusal = new ConcurrentHashMap<>();
    private final SharedIndexInformer<GenericKubernetesResource> informer;
    private final KubeEvents events;
    private final List<Thread> threads = new java.util.ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong statusConflicts = new java.util.concurrent.atomic.AtomicLong();
    private AutoCloseable eventSubscription;
    private volatile boolean closed;
    private volatile MigrationGuard migrations = MigrationGuard.NONE;

    /**
     * What live migrations (io.vmflex.kube.migration) ask of this controller while a VM moves between
     * nodes: the source must not run again a VM that left before its object names the target, and the
     * target must not stop a VM that arrived before its object names it.
     */
    public interface MigrationGuard {
        MigrationGuard NONE = new MigrationGuard() {
            @Override
            public boolean departing(ObjectKey vm) {
                return false;
            }

            @Override
            public boolean arriving(ObjectKey vm) {
                return false;
            }
        };

        /** The VM of {@code vm} is leaving (or left) this node and its object does not say so yet: create nothing for it. */
        boolean departing(ObjectKey vm);

        /** The VM of {@code vm} is coming to this node and its object does not say so yet: stop nothing of it. */
        boolean arriving(ObjectKey vm);
    }

    private NodeController(KubernetesClient client, String node, NodeVms vms, Clock clock, Settings settings) {
        this.node = node;
        this.vms = vms;
        this.clock = clock;
        this.settings = settings;
        this.objects = new VmObjects(client, node);
        this.informer = objects.informer(new Handler(), settings.resync());
        this.events = new KubeEvents(client, node, clock, key -> {
            GenericKubernetesResource o = latest(key);
            return o == null ? null : o.getMetadata().getUid();
        });
    }

    /** Starts watching and reconciling; returns at once (the first list may still be on its way). */
    public static NodeController start(KubernetesClient client, String node, NodeVms vms, Clock clock, Settings settings) {
        NodeController c = new NodeController(client, node, vms, clock, settings);
        c.informer.exceptionHandler((started, t) -> {
            LOG.warn("watching VirtualMachines of node {}: {} (retrying; VMs keep running)", node, t.toString());
            return true;
        });
        c.informer.start().whenComplete((v, t) -> {
            if (t == null) {
                LOG.info("node {}: {} VirtualMachine(s) bound here in the API", node, c.informer.getStore().list().size());
                // VMs whose object went while nobody watched get no watch event: look at each once now.
                c.vms.list().forEach(vm -> Ownership.objectOf(vm).ifPresent(c.queue::add));
            }
        });
        c.eventSubscription = vms.onEvent(c.events::offer);
        ReconcileLoop<ObjectKey> loop = new ReconcileLoop<>(c.queue, c::reconcile,
                e -> e instanceof RuntimeException || e instanceof VmObjects.Conflict,
                new ReconcileLoop.Backoff(Duration.ofMillis(250), 10, settings.maxBackoff()), c::retryLater, LOG);
        for (int i = 0; i < settings.workers(); i++) {
            c.threads.add(Thread.ofVirtual().name("kube-node-worker-" + i).start(loop::run));
        }
        c.threads.add(Thread.ofVirtual().name("kube-node-local-poll").start(c::pollLocal));
        return c;
    }

    /** Installs the migrations' guard (before or after start; keys are looked at again by {@link #requeue}). */
    public void guard(MigrationGuard guard) {
        this.migrations = guard;
    }

    /** Looks at one VirtualMachine again (a migration of it moved on). */
    public void requeue(ObjectKey key) {
        queue.add(key);
    }

    /** The VirtualMachine object as this node last saw it bound here, if it is. */
    public java.util.Optional<KubeVm> bound(ObjectKey key) {
        GenericKubernetesResource raw = latest(key);
        return raw == null ? java.util.Optional.empty() : java.util.Optional.of(VmObjects.toKubeVm(raw));
    }

    /** The node's VM for an object key, if it runs one. */
    public java.util.Optional<VirtualMachine> local(ObjectKey key) {
        return java.util.Optional.ofNullable(localFor(key));
    }

    /** Status writes that met a newer resourceVersion and were read and applied again. */
    public long statusConflicts() {
        return statusConflicts.get();
    }

    /** Whether the first list of the node's VirtualMachines came back. */
    public boolean listed() {
        return informer.hasSynced();
    }

    private final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
        @Override
        public void onAdd(GenericKubernetesResource o) {
            queue.add(keyOf(o));
        }

        @Override
        public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
            queue.add(keyOf(after));
        }

        @Override
        public void onDelete(GenericKubernetesResource o, boolean finalStateUnknown) {
            queue.add(keyOf(o));
        }
    }

    private static ObjectKey keyOf(GenericKubernetesResource o) {
        return new ObjectKey(o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    private void retryLater(ObjectKey key, Duration delay) {
        if (!closed) {
            retries.schedule(() -> queue.add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One key to where it should be: at most a few steps, each looked at afresh. */
    void reconcile(ObjectKey key) throws VmObjects.Conflict {
        for (int i = 0; i < 8; i++) {
            GenericKubernetesResource raw = latest(key);
            KubeVm object = raw == null ? null : VmObjects.toKubeVm(raw);
            VirtualMachine local = localFor(key);
            Step step = Reconcile.next(object, local, informer.hasSynced());
            switch (step) {
                case Step.Idle idle -> {
                    return;
                }
                case Step.AddFinalizer add -> remember(key, objects.addFinalizer(object));
                case Step.RemoveFinalizer remove -> {
                    remember(key, objects.removeFinalizer(object));
                    LOG.info("{}: stopped and cleaned on node {}; finalizer released", key, node);
                    return;
                }
                case Step.Create(VirtualMachine vm) -> {
                    if (migrations.departing(key)) {
                        LOG.info("{}: not created on node {}: its VM is migrating away (the object follows it)", key, node);
                        return;
                    }
                    if (!applied(key, raw, local, vms.apply(vm))) {
                        return;
                    }
                    LOG.info("{}: created as {} on node {}", key, vm.metadata().name(), node);
                }
                case Step.Update(VirtualMachine vm) -> {
                    if (!applied(key, raw, local, vms.apply(vm))) {
                        return;
                    }
                }
                case Step.Stop(String localName, String why) -> {
                    LOG.info("{}: stopping {}: {}", key, localName, why);
                    if (vms.delete(localName) instanceof NodeVms.Busy(String message)) {
                        throw new IllegalStateException("cannot stop " + localName + " yet: " + message);
                    }
                }
                case Step.Orphaned(String localName) -> {
                    orphaned(key, localName);
                    return;
                }
                case Step.Refuse(String message) -> {
                    // A standalone VM of the same name is not this object's: its status is not written here.
                    refused(key, raw, local != null && Ownership.objectOf(local).isPresent() ? local : null, message);
                    return;
                }
                case Step.Converged converged -> {
                    lastRefusal.remove(key);
                    writeStatus(key, raw, local, null);
                    return;
                }
            }
        }
    }

    /** Whether the daemon took the change; a refusal is reported in status and an event. */
    private boolean applied(ObjectKey key, GenericKubernetesResource raw, VirtualMachine local, NodeVms.Outcome outcome)
            throws VmObjects.Conflict {
        return switch (outcome) {
            case NodeVms.Done done -> true;
            case NodeVms.Refused(String message) -> {
                refused(key, raw, local, message);
                yield false;
            }
            case NodeVms.Busy(String message) -> throw new IllegalStateException(message);
        };
    }

    private void refused(ObjectKey key, GenericKubernetesResource raw, VirtualMachine local, String message) throws VmObjects.Conflict {
        if (!message.equals(lastRefusal.put(key, message))) {
            LOG.warn("{}: not run as written: {}", key, message);
            events.record(key, raw.getMetadata().getUid(), true, "InvalidSpec",
                    (local == null ? "not started: " : "kept at its last good spec: ") + message);
        }
        writeStatus(key, raw, local, message);
    }

    /** The node runs a VM whose object the API no longer binds here: stop it, then let the object go if it still exists. */
    private void orphaned(ObjectKey key, String localName) throws VmObjects.Conflict {
        if (migrations.arriving(key)) {
            LOG.debug("{}: {} arrived by migration; kept until its object names node {}", key, localName, node);
            return;
        }
        GenericKubernetesResource fresh = objects.get(key).orElse(null);
        KubeVm object = fresh == null ? null : VmObjects.toKubeVm(fresh);
        if (object != null && !object.deleting() && node.equals(object.labels().get(Ownership.NODE_LABEL))) {
            return; // still ours: the watch has not shown it yet
        }
        LOG.info("{}: no longer bound to node {} ({}): stopping {}", key, node, object == null ? "deleted" : "moved away", localName);
        if (vms.delete(localName) instanceof NodeVms.Busy(String message)) {
            throw new IllegalStateException("cannot stop " + localName + " yet: " + message);
        }
        if (object != null && object.holds(Ownership.FINALIZER)) {
            objects.removeFinalizer(object);
        }
        written.remove(key);
        lastRefusal.remove(key);
    }

    /** Writes the projected status when it differs from the stored one; on a conflict reads again and projects again. */
    private void writeStatus(ObjectKey key, GenericKubernetesResource raw, VirtualMachine local, String refusal) throws VmObjects.Conflict {
        GenericKubernetesResource current = raw;
        for (int attempt = 0; ; attempt++) {
            JsonNode stored = VmObjects.status(current);
            ObjectNode status = StatusProjection.project(stored, local, node, refusal, clock.instant());
            if (StatusProjection.same(stored, status)) {
                return;
            }
            try {
                remember(key, objects.writeStatus(current, status));
                return;
            } catch (VmObjects.Conflict c) {
                statusConflicts.incrementAndGet();
                if (attempt >= 4) {
                    throw c;
                }
                current = objects.get(key).orElse(null);
                if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
                    return;
                }
            }
        }
    }

    private void remember(ObjectKey key, GenericKubernetesResource object) {
        if (object != null) {
            written.put(key, object);
        }
    }

    /** The newer of the informer's copy and this controller's last write; null when the informer has none. */
    private GenericKubernetesResource latest(ObjectKey key) {
        GenericKubernetesResource cached = informer.getStore().getByKey(key.namespace() + "/" + key.name());
        GenericKubernetesResource mine = written.get(key);
        if (cached == null) {
            written.remove(key);
            return null;
        }
        if (mine != null && Objects.equals(mine.getMetadata().getUid(), cached.getMetadata().getUid())
                && version(mine) > version(cached)) {
            return mine;
        }
        written.remove(key);
        return cached;
    }

    private static long version(GenericKubernetesResource o) {
        try {
            return Long.parseLong(o.getMetadata().getResourceVersion());
        } catch (NumberFormatException e) {
            return -1; // not etcd's counter: trust the informer
        }
    }

    private VirtualMachine localFor(ObjectKey key) {
        if (LocalName.encode(key) instanceof LocalName.Encoded.Name(String name)) {
            return vms.get(name).orElse(null);
        }
        return null;
    }

    /** Queues every VM whose status (or presence) changed on the node since the last look. */
    private void pollLocal() {
        Map<ObjectKey, String> seen = new HashMap<>();
        while (!closed) {
            Map<ObjectKey, String> now = new HashMap<>();
            try {
                for (VirtualMachine vm : vms.list()) {
                    Ownership.objectOf(vm).ifPresent(key -> now.put(key, fingerprint(vm)));
                }
                for (Map.Entry<ObjectKey, String> e : now.entrySet()) {
                    if (!e.getValue().equals(seen.get(e.getKey()))) {
                        queue.add(e.getKey());
                    }
                }
                for (ObjectKey gone : seen.keySet()) {
                    if (!now.containsKey(gone)) {
                        queue.add(gone);
                    }
                }
                seen = now;
            } catch (RuntimeException e) {
                LOG.warn("looking at the node's VMs failed: {}", e.toString());
            }
            LockSupport.parkNanos(settings.localPoll().toNanos());
        }
    }

    private String fingerprint(VirtualMachine vm) {
        return StatusProjection.project(null, vm, node, null, java.time.Instant.EPOCH).toString() + vm.metadata().resourceVersion();
    }

    @Override
    public void close() {
        closed = true;
        queue.close();
        informer.close();
        retries.shutdownNow();
        threads.forEach(Thread::interrupt);
        events.close();
        if (eventSubscription != null) {
            try {
                eventSubscription.close();
            } catch (Exception e) {
                LOG.debug("unsubscribing from the node's events: {}", e.toString());
            }
        }
    }
}
