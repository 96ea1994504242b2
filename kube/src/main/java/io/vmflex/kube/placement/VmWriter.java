package io.vmflex.kube.placement;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.VirtualMachineStatus;
import io.vmflex.kube.crd.NeonVm;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The scheduler's writes to a VirtualMachine, each guarded by the resourceVersion it decided on, so a
 * decision made on a stale view fails with a conflict instead of overwriting what happened meanwhile
 * (another replica's binding, the node daemon's first status).
 * <ul>
 *   <li>{@link #bind}: a merge patch of the {@code vmflex.io/node} label (the binding the node daemon
 *       selects on), then through the status subresource {@code status.node}, phase Pending if the VM
 *       has none yet, and {@code Scheduled=True}; a status write that meets a conflict is re-read and
 *       retried, since the label already decided the node.</li>
 *   <li>{@link #markUnschedulable}: phase Pending and {@code Scheduled=False} with the reason.</li>
 * </ul>
 * Other conditions in the list are kept as they are. Thread-safe (stateless over the client).
 */
public final class VmWriter {

    /** How one write ended. */
    public sealed interface Outcome {
        /** Written; {@code resourceVersion} is the VM's after the write. */
        record Written(String resourceVersion) implements Outcome {
        }

        /** The VM changed since the decision (409): decide again on the newer object. */
        record Stale() implements Outcome {
        }

        /** The VM is gone (404). */
        record Gone() implements Outcome {
        }

        /** Anything else: the API's message. */
        record Failed(String message) implements Outcome {
        }
    }

    private static final int STATUS_ATTEMPTS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final Clock clock;

    public VmWriter(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Binds {@code vm} (as last seen, at its resourceVersion) to {@code node}. */
    public Outcome bind(VmInfo vm, String node) {
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode meta = patch.putObject("metadata");
        meta.put("resourceVersion", vm.resourceVersion());
        meta.putObject("labels").put(VmNodeContract.NODE_LABEL, node);
        NeonVm labelled;
        try {
            labelled = resource(vm).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        } catch (KubernetesClientException e) {
            return outcome(e);
        }
        return writeBoundStatus(vm, labelled, node);
    }

    private Outcome writeBoundStatus(VmInfo vm, NeonVm current, String node) {
        Condition scheduled = new Condition(VmNodeContract.CONDITION_SCHEDULED, "True", null, null,
                VmNodeContract.REASON_SCHEDULED, "bound to node " + node);
        for (int attempt = 1; ; attempt++) {
            VirtualMachineStatus status = current.getStatus();
            if (status != null && node.equals(status.node())) {
                return new Outcome.Written(current.getMetadata().getResourceVersion());
            }
            ObjectNode patch = statusPatch(current, status == null || status.phase() == null, scheduled);
            ((ObjectNode) patch.get("status")).put("node", node);
            try {
                NeonVm written = resource(vm).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
                return new Outcome.Written(written.getMetadata().getResourceVersion());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == STATUS_ATTEMPTS) {
                    return outcome(e);
                }
            }
            try {
                current = resource(vm).get();
            } catch (KubernetesClientException e) {
                return outcome(e);
            }
            if (current == null) {
                return new Outcome.Gone();
            }
        }
    }

    /** Records on {@code current} (the VM as decided on) that it fits nowhere, and why. */
    public Outcome markUnschedulable(VmInfo vm, NeonVm current, String message) {
        Condition unschedulable = new Condition(VmNodeContract.CONDITION_SCHEDULED, "False", null, null,
                VmNodeContract.REASON_UNSCHEDULABLE, message);
        ObjectNode patch = statusPatch(current, true, unschedulable);
        try {
            NeonVm written = resource(vm).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
            return new Outcome.Written(written.getMetadata().getResourceVersion());
        } catch (KubernetesClientException e) {
            return outcome(e);
        }
    }

    /**
     * A merge patch of the status: the resourceVersion precondition, phase Pending if asked, and the
     * whole conditions list (a merge patch replaces lists) with {@code condition} put in place of the
     * VM's own {@code Scheduled}; its transition time moves only when its status does.
     */
    private ObjectNode statusPatch(NeonVm current, boolean setPending, Condition condition) {
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("metadata").put("resourceVersion", current.getMetadata().getResourceVersion());
        ObjectNode status = patch.putObject("status");
        if (setPending) {
            status.put("phase", "Pending");
        }
        List<Condition> existing = current.getStatus() == null ? List.of() : current.getStatus().conditions();
        ArrayNode list = status.putArray("conditions");
        boolean replaced = false;
        for (Condition c : existing) {
            if (condition.type().equals(c.type())) {
                Instant since = condition.status().equals(c.status()) && c.lastTransitionTime() != null
                        ? c.lastTransitionTime() : now();
                list.add(json(condition, since));
                replaced = true;
            } else {
                list.add(json(c, c.lastTransitionTime()));
            }
        }
        if (!replaced) {
            list.add(json(condition, now()));
        }
        return patch;
    }

    private Instant now() {
        return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
    }

    private static ObjectNode json(Condition c, Instant lastTransition) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", c.type());
        o.put("status", c.status());
        if (c.observedGeneration() != null) {
            o.put("observedGeneration", c.observedGeneration());
        }
        if (lastTransition != null) {
            o.put("lastTransitionTime", lastTransition.truncatedTo(ChronoUnit.SECONDS).toString());
        }
        if (c.reason() != null) {
            o.put("reason", c.reason());
        }
        if (c.message() != null) {
            o.put("message", c.message());
        }
        return o;
    }

    /**
     * The VM as a resource with an item: fabric8 GETs a resource named only by name before patching it,
     * one more request per write, which a stand-in item with the name and namespace avoids.
     */
    private Resource<NeonVm> resource(VmInfo vm) {
        NeonVm item = new NeonVm();
        item.setMetadata(new ObjectMetaBuilder().withName(vm.name()).withNamespace(vm.namespace()).build());
        return client.resources(NeonVm.class).inNamespace(vm.namespace()).resource(item);
    }

    private static Outcome outcome(KubernetesClientException e) {
        return switch (e.getCode()) {
            case 409 -> new Outcome.Stale();
            case 404 -> new Outcome.Gone();
            default -> new Outcome.Failed(e.getCode() + " " + e.getMessage());
        };
    }
}
