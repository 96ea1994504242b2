package io.vmflex.cli.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmflex.agent.core.Allocation;
import io.vmflex.agent.daemon.DaemonAdmin;
import io.vmflex.agent.daemon.DaemonPorts;
import io.vmflex.agent.runner.PatchOutcome;
import io.vmflex.agent.runner.VmPatcher;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.kube.node.LocalName;
import io.vmflex.kube.node.ObjectKey;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;

/**
 * The agent's {@link VmPatcher} in cluster mode: a JSON patch of the VirtualMachine object in the API
 * server, as Neon's agent sends it ({@code /spec/guest/cpus/use}, {@code /spec/guest/memorySlots/use},
 * {@code /spec/targetRevision}), guarded by {@code test} ops of the two values it read, so a change
 * someone made meanwhile (kubectl, another writer) is not overwritten: the patch is refused (422), the
 * object read again, and the patch retried on the new values. The node controller then applies the
 * object to the daemon; the patch completes when the daemon has it (the agent then tells the guest),
 * so the agent never goes around the controller and the daemon's spec authority never has to refuse
 * it (no 409 on this path). Written as the node's service account ({@code virtualmachines patch}).
 *
 * <p>Thread-safe; runs on the executor it is given.
 */
public final class KubeVmPatcher implements VmPatcher {

    /** The agent's name in the object's managedFields: who changed {@code use} is visible with kubectl. */
    public static final String FIELD_MANAGER = VmUsePatch.FIELD_MANAGER;
    /** How long the node controller may take to apply a patch before the agent counts it failed. */
    static final Duration APPLY_TIMEOUT = Duration.ofSeconds(60);

    private final KubernetesClient client;
    private final DaemonAdmin admin;
    private final ExecutorService executor;
    private final DaemonPorts.SlotSizes slots;
    private final Clock clock;

    public KubeVmPatcher(KubernetesClient client, DaemonAdmin admin, ExecutorService executor, DaemonPorts.SlotSizes slots,
                         Clock clock) {
        this.client = client;
        this.admin = admin;
        this.executor = executor;
        this.slots = slots;
        this.clock = clock;
    }

    @Override
    public CompletionStage<PatchOutcome> patchUse(String vm, Allocation use, long revision) {
        return CompletableFuture.supplyAsync(() -> {
            long slot = slots.of(vm);
            if (use.memBytes() % slot != 0) {
                throw new IllegalArgumentException("memory " + use.memBytes() + " is not a whole number of " + slot + "-byte slots");
            }
            ObjectKey key = LocalName.decode(vm).orElseThrow(() -> new IllegalArgumentException("VM " + vm
                    + " is not a VirtualMachine of the API (its name is not namespace-name-length)"));
            long slotsWanted = use.memBytes() / slot;
            VmUsePatch.apply(client, key, use.cpuMillis(), slotsWanted, revision, Instant.now(clock));
            awaitApplied(vm, use.cpuMillis(), slotsWanted);
            return PatchOutcome.APPLIED;
        }, executor);
    }

    /** Waits until the daemon's VM has the new {@code use}: the node controller applied the object. */
    private void awaitApplied(String vm, long cpuMillis, long slotsWanted) {
        Instant deadline = clock.instant().plus(APPLY_TIMEOUT);
        while (true) {
            Optional<VirtualMachine> local = admin.listVms().stream().filter(v -> v.name().equals(vm)).findFirst();
            if (local.isEmpty()) {
                throw new IllegalStateException("VM " + vm + " is gone from the node");
            }
            Guest g = local.get().spec().guest();
            if (g.cpus().use().millis() == cpuMillis && g.memorySlots().use() == slotsWanted) {
                return;
            }
            if (clock.instant().isAfter(deadline)) {
                throw new IllegalStateException("the node did not apply " + cpuMillis + "m CPU, " + slotsWanted
                        + " memory slots to " + vm + " within " + APPLY_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the node to apply " + vm, e);
            }
        }
    }
}
