package io.vmflex.kube.placement;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.kube.crd.NeonVmm;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What placement and the watermark migrations read, kept by watches: VM Nodes (by label), Pods,
 * VirtualMachines and VirtualMachineMigrations in every namespace; list once, then watch; no periodic resync. Every replica keeps one from its start, so a
 * standby that takes over places at once instead of listing first. Listeners are told that something
 * changed, not what: placement re-reads the whole cache.
 *
 * <p>Thread-safe: the stores are the informers' (safe to read from any thread), listeners are called
 * on fabric8's informer threads and must return quickly.
 */
public final class ClusterCache implements AutoCloseable {

    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<NeonVm> vms;
    private final SharedIndexInformer<NeonVmm> migrations;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private CompletableFuture<Void> synced;

    public ClusterCache(KubernetesClient client) {
        this.nodes = client.nodes().withLabel(VmNodeContract.VM_NODE_LABEL, "true").runnableInformer(0);
        this.pods = client.pods().inAnyNamespace().runnableInformer(0);
        this.vms = client.resources(NeonVm.class).inAnyNamespace().runnableInformer(0);
        this.migrations = client.resources(NeonVmm.class).inAnyNamespace().runnableInformer(0);
        ResourceEventHandler<Object> changed = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                fire();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                fire();
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                fire();
            }
        };
        nodes.addEventHandler(changed);
        pods.addEventHandler(changed);
        vms.addEventHandler(changed);
        migrations.addEventHandler(changed);
    }

    /** Starts the lists and watches; returns at once. */
    public synchronized void start() {
        if (synced == null) {
            synced = CompletableFuture.allOf(nodes.start().toCompletableFuture(), pods.start().toCompletableFuture(),
                    vms.start().toCompletableFuture(), migrations.start().toCompletableFuture());
        }
    }

    /**
     * Blocks until the first lists are in.
     *
     * @throws java.util.concurrent.CompletionException if one could not be listed (the API's refusal inside)
     */
    public void awaitSynced() {
        CompletableFuture<Void> started;
        synchronized (this) {
            start();
            started = synced;
        }
        started.join();
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    public List<Node> nodes() {
        return nodes.getStore().list();
    }

    public List<Pod> pods() {
        return pods.getStore().list();
    }

    public List<NeonVm> vms() {
        return vms.getStore().list();
    }

    /** One pod by namespace and name, from the watch (the permit server's caller lookup). */
    public java.util.Optional<Pod> pod(String namespace, String name) {
        return java.util.Optional.ofNullable(pods.getStore().getByKey(namespace + "/" + name));
    }

    /** One VirtualMachine by namespace and name, from the watch (the permit server's binding check). */
    public java.util.Optional<NeonVm> vm(String namespace, String name) {
        return java.util.Optional.ofNullable(vms.getStore().getByKey(namespace + "/" + name));
    }

    public List<NeonVmm> migrations() {
        return migrations.getStore().list();
    }

    private void fire() {
        for (Runnable l : listeners) {
            l.run();
        }
    }

    @Override
    public void close() {
        migrations.close();
        vms.close();
        pods.close();
        nodes.close();
    }
}
