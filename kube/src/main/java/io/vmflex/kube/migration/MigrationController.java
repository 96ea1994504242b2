package io.vmflex.kube.migration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.kube.node.KubeVm;
import io.vmflex.kube.node.LocalName;
import io.vmflex.kube.node.NodeController;
import io.vmflex.kube.node.ObjectKey;
import io.vmflex.kube.node.Ownership;
import io.vmflex.kube.node.ReconcileLoop;
import io.vmflex.kube.node.WorkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The node daemon's VirtualMachineMigrations: watches every VirtualMachineMigration (all namespaces)
 * and carries out those whose VM is bound to this node with the daemon's relayed live migration, to
 * the daemon whose Node carries the target's {@link VmNode#MIGRATION_ADDRESS}.
 *
 * <pre>
 *  VMM informer --+--> WorkQueue (one worker) --MigrationRules.next--> status (Pending | Running | Failed)
 *  poll 500 ms ---+                                   | Start: status Running first, then NodeMigrations.start
 *   (running ones)                                    | Finish: VM object's label vmflex.io/node and status.node
 *                                                     |         to the target, then Succeeded
 *  VMM deleted while running --> NodeMigrations.cancel (the VM stays; finished anyway if already committed)
 * </pre>
 *
 * It also guards the node controller ({@link NodeController.MigrationGuard}): the source creates nothing
 * for a VM that is leaving or left until its object names the target, and the target stops nothing
 * that arrives for a migration running to it.
 *
 * <p>Thread-safe; {@link #close} stops watching and leaves running migrations to the daemon.
 */
public final class MigrationController implements AutoCloseable, NodeController.MigrationGuard {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationController.class);
    static final ResourceDefinitionContext VMMS = new ResourceDefinitionContext.Builder()
            .withGroup(VirtualMachine.GROUP).withVersion("v1").withKind("VirtualMachineMigration")
            .withPlural("virtualmachinemigrations").withNamespaced(true).build();
    static final ResourceDefinitionContext VMS = new ResourceDefinitionContext.Builder()
            .withGroup(VirtualMachine.GROUP).withVersion("v1").withKind(VirtualMachine.KIND)
            .withPlural("virtualmachines").withNamespaced(true).build();
    /** The label of VM nodes (issue 17's contract). */
    public static final String VM_NODE_LABEL = "vmflex.io/vm-node";
    private static final Duration POLL = Duration.ofMillis(500);
    /** How long the source keeps refusing to re-create a VM that left, after its object was switched. */
    private static final Duration LEFT_GRACE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A migration this daemon started: followed until it ended, even when its object is deleted. */
    private record Active(ObjectKey vmm, ObjectKey vm, String id, String target) {
    }

    private final KubernetesClient client;
    private final String self;
    private final NodeController nodes;
    private final NodeMigrations migrations;
    private final Clock clock;
    private final SharedIndexInformer<GenericKubernetesResource> vmmInformer;
    private final SharedIndexInformer<Node> nodeInformer;
    private final WorkQueue<ObjectKey> queue = new WorkQueue<>();
    private final Map<String, Active> active = new ConcurrentHashMap<>(); // by VMM uid
    private final Map<ObjectKey, Instant> left = new ConcurrentHashMap<>(); // VM key -> when its object was switched
    private final Map<ObjectKey, Instant> lastReport = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private MigrationController(KubernetesClient client, String self, NodeController nodes, NodeMigrations migrations,
            Clock clock, Consumer<List<VmNode>> nodesChanged) {
        this.client = client;
        this.self = self;
        this.nodes = nodes;
        this.migrations = migrations;
        this.clock = clock;
        this.vmmInformer = client.genericKubernetesResources(VMMS).inAnyNamespace().runnableInformer(30_000);
        this.vmmInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource o) {
                changed(o);
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                changed(after);
            }

            @Override
            public void onDelete(GenericKubernetesResource o, boolean unknown) {
                deleted(o);
            }
        });
        this.nodeInformer = client.nodes().withLabel(VM_NODE_LABEL, "true").runnableInformer(60_000);
        this.nodeInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                nodesChanged.accept(vmNodes());
                wakeAll();
            }

            @Override
            public void onUpdate(Node before, Node after) {
                if (!Objects.equals(before.getMetadata().getAnnotations(), after.getMetadata().getAnnotations())
                        || !Objects.equals(before.getMetadata().getLabels(), after.getMetadata().getLabels())) {
                    nodesChanged.accept(vmNodes());
                    wakeAll();
                }
            }

            @Override
            public void onDelete(Node n, boolean unknown) {
                nodesChanged.accept(vmNodes());
            }
        });
    }

    /**
     * Starts watching and guarding {@code nodes}; returns at once.
     *
     * @param nodesChanged told the VM nodes whenever one changes (the overlay's peers follow them)
     */
    public static MigrationController start(KubernetesClient client, String self, NodeController nodes,
            NodeMigrations migrations, Clock clock, Consumer<List<VmNode>> nodesChanged) {
        MigrationController c = new MigrationController(client, self, nodes, migrations, clock, nodesChanged);
        nodes.guard(c);
        c.vmmInformer.exceptionHandler((started, t) -> {
            LOG.warn("watching VirtualMachineMigrations: {} (retrying)", t.toString());
            return true;
        });
        c.nodeInformer.exceptionHandler((started, t) -> {
            LOG.warn("watching Nodes: {} (retrying)", t.toString());
            return true;
        });
        c.nodeInformer.start();
        c.vmmInformer.start();
        ReconcileLoop<ObjectKey> loop = new ReconcileLoop<>(c.queue, c::reconcile, e -> e instanceof RuntimeException,
                new ReconcileLoop.Backoff(Duration.ofMillis(250), 5, Duration.ofSeconds(5)), c::retryLater, LOG);
        c.threads.add(Thread.ofVirtual().name("kube-migration-worker").start(loop::run));
        c.threads.add(Thread.ofVirtual().name("kube-migration-poll").start(c::poll));
        return c;
    }

    /** The VM nodes as last seen. */
    public List<VmNode> vmNodes() {
        return nodeInformer.getStore().list().stream().map(n -> VmNode.of(JSON.valueToTree(n))).toList();
    }

    private Optional<VmNode> node(String name) {
        Node n = nodeInformer.getStore().getByKey(name);
        return n == null ? Optional.empty() : Optional.of(VmNode.of(JSON.valueToTree(n)));
    }

    private void changed(GenericKubernetesResource o) {
        KubeVmm vmm = KubeVmm.of(JSON.valueToTree(o));
        queue.add(vmm.key());
        if (vmm.vm() != null) {
            nodes.requeue(vmm.vm()); // a guard may have changed
        }
    }

    private void deleted(GenericKubernetesResource o) {
        KubeVmm vmm = KubeVmm.of(JSON.valueToTree(o));
        Active a = vmm.uid() == null ? null : active.get(vmm.uid());
        if (a != null) {
            LOG.info("{}: deleted while migrating {} to {}: cancelling (migration {})", vmm.key(), a.vm(), a.target(), a.id());
            migrations.cancel(a.id());
        }
        if (vmm.vm() != null) {
            nodes.requeue(vmm.vm());
        }
    }

    private void wakeAll() {
        vmmInformer.getStore().list().forEach(o -> queue.add(new ObjectKey(o.getMetadata().getNamespace(), o.getMetadata().getName())));
    }

    @Override
    public boolean departing(ObjectKey vm) {
        for (Active a : active.values()) {
            if (a.vm().equals(vm)) {
                return true;
            }
        }
        Instant switched = left.get(vm);
        if (switched != null) {
            if (switched.plus(LEFT_GRACE).isAfter(clock.instant())) {
                return true;
            }
            left.remove(vm, switched);
        }
        return vmms().anyMatch(m -> vm.equals(m.vm()) && m.runningFrom(self));
    }

    @Override
    public boolean arriving(ObjectKey vm) {
        return vmms().anyMatch(m -> vm.equals(m.vm()) && m.runningTo(self));
    }

    private java.util.stream.Stream<KubeVmm> vmms() {
        return vmmInformer.getStore().list().stream().map(o -> KubeVmm.of(JSON.valueToTree(o)));
    }

    private void retryLater(ObjectKey key, Duration delay) {
        if (!closed) {
            Thread.ofVirtual().start(() -> {
                LockSupport.parkNanos(delay.toNanos());
                queue.add(key);
            });
        }
    }

    /**
     * Every running migration of this daemon gets looked at again (progress); ones whose object went are
     * followed here. Migrations not started yet whose VM is bound here are looked at too: their VM starting
     * to run, or being deleted, is no change of the migration object.
     */
    private void poll() {
        while (!closed) {
            LockSupport.parkNanos(POLL.toNanos());
            vmms().filter(m -> !m.ended() && !"Running".equals(m.phase()) && m.vm() != null && nodes.bound(m.vm()).isPresent())
                    .forEach(m -> queue.add(m.key()));
            for (Map.Entry<String, Active> e : active.entrySet()) {
                Active a = e.getValue();
                if (vmmInformer.getStore().getByKey(a.vmm().namespace() + "/" + a.vmm().name()) != null) {
                    queue.add(a.vmm());
                    continue;
                }
                try {
                    followOrphan(e.getKey(), a);
                } catch (RuntimeException ex) {
                    LOG.warn("migration {} of {}: {}", a.id(), a.vm(), ex.toString());
                }
            }
        }
    }

    /** The object of a running migration was deleted: it was cancelled; if it still completed, the VM object follows it. */
    private void followOrphan(String uid, Active a) {
        Optional<MigrationStatus> d = migrations.get(a.id());
        if (d.isEmpty() || d.get().phase().isFinal()) {
            if (d.isPresent() && d.get().phase() == MigrationPhase.Completed) {
                switchVm(a.vm(), a.target());
            }
            active.remove(uid);
            nodes.requeue(a.vm());
        }
    }

    private void reconcile(ObjectKey key) {
        GenericKubernetesResource raw = vmmInformer.getStore().getByKey(key.namespace() + "/" + key.name());
        if (raw == null) {
            return;
        }
        KubeVmm vmm = KubeVmm.of(JSON.valueToTree(raw));
        Active mine = vmm.uid() == null ? null : active.get(vmm.uid());
        String id = mine != null ? mine.id() : vmm.migrationId();
        Optional<MigrationStatus> daemon = id == null ? Optional.empty() : migrations.get(id);
        MigrationRules.VmHere here = MigrationRules.VmHere.NOT_HERE;
        long memory = 0;
        if (vmm.vm() != null) {
            Optional<KubeVm> bound = nodes.bound(vmm.vm());
            if (bound.isPresent()) {
                Optional<VirtualMachine> local = nodes.local(vmm.vm());
                here = bound.get().deleting() ? MigrationRules.VmHere.DELETING
                        : local.isPresent() ? MigrationRules.VmHere.RUNNING : MigrationRules.VmHere.NOT_RUNNING;
                memory = local.map(MigrationController::memoryOf).orElse(0L);
            } else if (!vmm.ended() && !"Running".equals(vmm.phase()) && vmMissing(vmm.vm())) {
                write(raw, VmmStatus.failed(vmm.status(), "VirtualMachine " + vmm.vm() + " does not exist"), "Failed");
                return;
            }
        }
        String other = vmm.vm() == null ? null : vmms().filter(m -> !m.key().equals(vmm.key()) && vmm.vm().equals(m.vm())
                && "Running".equals(m.phase())).map(m -> m.key().name()).findFirst().orElse(null);
        Decision decision = MigrationRules.next(self, vmm, here, memory, other, daemon, this::node);
        switch (decision) {
            case Decision.Ignore ignore -> {
            }
            case Decision.Wait(String message) -> {
                if (!"Pending".equals(vmm.phase()) || !message.equals(vmm.message())) {
                    write(raw, VmmStatus.pending(vmm.status(), message), "Pending");
                }
            }
            case Decision.Fail(String message) -> {
                LOG.warn("{}: failed: {}", key, message);
                write(raw, VmmStatus.failed(vmm.status(), message), "Failed");
                event(raw, true, "MigrationFailed", message);
                if (mine != null) {
                    active.remove(vmm.uid());
                }
            }
            case Decision.Start(String target, String address, Knobs knobs) -> start(raw, vmm, target, address, knobs);
            case Decision.Report(MigrationStatus progress) -> {
                ObjectNode s = VmmStatus.progress(vmm.status(), progress);
                Instant last = lastReport.get(key);
                // At most one progress write a second: each write comes back through the watch as a change.
                if (!same(s, vmm.status()) && (last == null || last.plusSeconds(1).isBefore(clock.instant()))) {
                    write(raw, s, null);
                    lastReport.put(key, clock.instant());
                }
            }
            case Decision.Finish(MigrationStatus done) -> {
                switchVm(vmm.vm(), vmm.targetNode());
                write(raw, VmmStatus.succeeded(vmm.status(), done, vmm.targetNode()), "Succeeded");
                event(raw, false, "MigrationSucceeded", "moved " + vmm.vm() + " from " + self + " to " + vmm.targetNode()
                        + " in " + done.totalMs() + " ms, the guest paused " + VmmStatus.downtime(done) + " ms");
                active.remove(vmm.uid());
                nodes.requeue(vmm.vm());
            }
            case Decision.Ended(MigrationStatus failed) -> {
                ObjectNode s = VmmStatus.ended(vmm.status(), failed, self);
                write(raw, s, "Failed");
                event(raw, true, "MigrationFailed", s.path("message").asText());
                active.remove(vmm.uid());
                nodes.requeue(vmm.vm());
            }
        }
    }

    private void start(GenericKubernetesResource raw, KubeVmm vmm, String target, String address, Knobs knobs) {
        String localName = switch (LocalName.encode(vmm.vm())) {
            case LocalName.Encoded.Name(String name) -> name;
            case LocalName.Encoded.Unusable u -> null;
        };
        if (localName == null) {
            return;
        }
        // Running first: from then on the source creates nothing for the VM and the target keeps what arrives.
        GenericKubernetesResource running = write(raw, VmmStatus.running(vmm.status(), self, target,
                "starting the live migration to " + address), "Running");
        String id;
        try {
            id = migrations.start(localName, address, knobs);
        } catch (IllegalStateException | IllegalArgumentException e) {
            write(running, VmmStatus.failed(VmmStatus.running(vmm.status(), self, target, ""), e.getMessage()), "Failed");
            event(raw, true, "MigrationFailed", e.getMessage());
            return;
        }
        active.put(vmm.uid(), new Active(vmm.key(), vmm.vm(), id, target));
        LOG.info("{}: migrating {} from {} to {} ({}) as migration {}", vmm.key(), vmm.vm(), self, target, address, id);
        event(raw, false, "MigrationStarted", "moving " + vmm.vm() + " from " + self + " to " + target + " (" + address + ")");
        JsonNode stored = statusOf(running);
        ObjectNode s = VmmStatus.running(stored, self, target, "preparing the target");
        migrations.get(id).ifPresent(d -> s.set("info", io.vmflex.api.json.ApiMapper.json().valueToTree(d)));
        write(running, s, null);
    }

    /** The VM object follows its VM: label and status.node name the target. A VM object gone meanwhile is left gone. */
    private void switchVm(ObjectKey vm, String target) {
        var resource = client.genericKubernetesResources(VMS).inNamespace(vm.namespace()).withName(vm.name());
        ObjectNode labels = JSON.createObjectNode();
        labels.putObject("metadata").putObject("labels").put(Ownership.NODE_LABEL, target);
        left.put(vm, clock.instant());
        try {
            resource.patch(PatchContext.of(PatchType.JSON_MERGE), labels.toString());
            ObjectNode status = JSON.createObjectNode();
            status.putObject("status").put("node", target);
            resource.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), status.toString());
            LOG.info("{}: now bound to node {}", vm, target);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            LOG.info("{}: deleted during its migration to {}; the target stops its copy", vm, target);
        }
    }

    private boolean vmMissing(ObjectKey vm) {
        try {
            return client.genericKubernetesResources(VMS).inNamespace(vm.namespace()).withName(vm.name()).get() == null;
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    /** Writes {@code status} through the status subresource with the resourceVersion read; a conflict is retried by the queue. */
    private GenericKubernetesResource write(GenericKubernetesResource read, ObjectNode status, String phase) {
        GenericKubernetesResource copy = client.getKubernetesSerialization().convertValue(read, GenericKubernetesResource.class);
        copy.setAdditionalProperty("status", JSON.convertValue(status, Map.class));
        GenericKubernetesResource written = client.genericKubernetesResources(VMMS).inNamespace(read.getMetadata().getNamespace())
                .resource(copy).updateStatus();
        if (phase != null) {
            LOG.info("{}/{}: {} ({})", read.getMetadata().getNamespace(), read.getMetadata().getName(), phase, status.path("message").asText());
        }
        return written;
    }

    private void event(GenericKubernetesResource vmm, boolean warning, String reason, String message) {
        Thread.ofVirtual().start(() -> MigrationEvents.record(client, vmm, self, warning, reason, message, clock.instant()));
    }

    private static long memoryOf(VirtualMachine vm) {
        return vm.status() != null && vm.status().memorySize() != null ? vm.status().memorySize().bytes() : 0;
    }

    @Override
    public void close() {
        closed = true;
        queue.close();
        vmmInformer.close();
        nodeInformer.close();
        threads.forEach(Thread::interrupt);
    }

    private static JsonNode statusOf(GenericKubernetesResource o) {
        Object s = o.getAdditionalProperties().get("status");
        return s == null ? null : JSON.valueToTree(s);
    }

    /** Equal as JSON texts (the API's numbers come back as the smallest type; ours are longs). */
    private static boolean same(JsonNode a, JsonNode b) {
        try {
            return a != null && b != null && JSON.readTree(a.toString()).equals(JSON.readTree(b.toString()));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
