package io.vmflex.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vmflex.api.vm.VirtualMachine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What vmflex does with each field of NeonVM's spec: uses it, ignores it (it means something only to
 * a Kubernetes pod, and is accepted so that NeonVM manifests stay valid; named in the VM's events and
 * {@code vmctl describe}), or refuses it ({@code not supported by vmflex: <path>}) because a user who
 * writes it would believe it works. Some fields are used for some values and refused for others.
 *
 * <p>Paths are the manifest's ({@code spec.guest.rootDisk.size}, {@code spec.service_links}); a list's
 * elements share the path of the list. The table covers every field of the model; a test walks the
 * model and fails on a field the table does not name. Stateless and thread-safe.
 */
public final class FieldSupport {

    /** How vmflex treats a field. */
    public sealed interface Support {
    }

    /** Used; its fields are looked at one by one when {@code descend}. */
    public record Used(boolean descend) implements Support {
    }

    /**
     * Accepted and ignored, for NeonVM compatibility.
     *
     * @param why          one phrase for the user
     * @param defaultValue NeonVM's default (null if none): that value is not worth reporting
     */
    public record Ignored(String why, JsonNode defaultValue) implements Support {
    }

    /** Refused when present (and not empty). */
    public record Refused(String why) implements Support {
    }

    /** Used with the listed values, refused with any other. */
    public record UsedWith(Set<JsonNode> values, String why) implements Support {
    }

    private static final Map<String, Support> FIELDS = new LinkedHashMap<>();

    static {
        Support pod = new Ignored("only a Kubernetes pod uses it", null);
        Support scheduling = new Ignored("pod scheduling; vmflex places a VM on the node it is applied to", null);
        FIELDS.put("spec", new Used(true));
        FIELDS.put("spec.qmp", new Ignored("NeonVM runner's port; vmflex reaches QEMU over a Unix socket", new IntNode(20183)));
        FIELDS.put("spec.qmpManual", new Ignored("NeonVM runner's port", new IntNode(20184)));
        FIELDS.put("spec.runnerPort", new Ignored("NeonVM runner's port", new IntNode(25183)));
        FIELDS.put("spec.terminationGracePeriodSeconds", new Used(false));
        FIELDS.put("spec.nodeSelector", scheduling);
        FIELDS.put("spec.affinity", scheduling);
        FIELDS.put("spec.tolerations", scheduling);
        FIELDS.put("spec.schedulerName", scheduling);
        FIELDS.put("spec.serviceAccountName", pod);
        FIELDS.put("spec.podResources", pod);
        FIELDS.put("spec.restartPolicy", new Used(false));
        FIELDS.put("spec.imagePullSecrets", new Ignored("images come from the node's image store", null));
        FIELDS.put("spec.targetArchitecture", new UsedWith(Set.of(TextNode.valueOf("amd64")), "vmflex runs x86_64 guests only"));
        FIELDS.put("spec.guest", new Used(true));
        FIELDS.put("spec.extraInitContainers", pod);
        FIELDS.put("spec.initScript", new Refused("no init script runs in the guest yet"));
        FIELDS.put("spec.disks", new Used(true));
        FIELDS.put("spec.disks.name", new Used(false));
        FIELDS.put("spec.disks.mountPath", new Used(false));
        FIELDS.put("spec.disks.readOnly", new Used(false));
        FIELDS.put("spec.disks.watch", new Ignored("only configMap and secret disks are re-synced", BooleanNode.FALSE));
        FIELDS.put("spec.disks.emptyDisk", new Used(true));
        FIELDS.put("spec.disks.emptyDisk.size", new Used(false));
        FIELDS.put("spec.disks.emptyDisk.discard", new Used(false));
        FIELDS.put("spec.disks.emptyDisk.enableQuotas", new UsedWith(Set.of(BooleanNode.FALSE),
                "data disks are mounted without project quotas"));
        FIELDS.put("spec.disks.tmpfs", new Used(true));
        FIELDS.put("spec.disks.tmpfs.size", new Used(false));
        // Their files come from the Kubernetes API, which a standalone daemon does not have.
        FIELDS.put("spec.disks.configMap", new Refused("configMap disks need the Kubernetes API (cluster mode)"));
        FIELDS.put("spec.disks.secret", new Refused("secret disks need the Kubernetes API (cluster mode)"));
        FIELDS.put("spec.extraNetwork", new Ignored(
                "every VM has one NIC on the node's VM network (status.extraNetIP); there is no Multus", null));
        FIELDS.put("spec.service_links", pod);
        FIELDS.put("spec.enableAcceleration", new Used(false));
        FIELDS.put("spec.runnerImage", pod);
        FIELDS.put("spec.enableSSH", new Used(false));
        FIELDS.put("spec.tls", new Refused("certificates are not provisioned into the guest"));
        FIELDS.put("spec.overcommit", pod);
        FIELDS.put("spec.targetRevision", new Used(false));
        FIELDS.put("spec.cpuScalingMode", new Used(false));
        FIELDS.put("spec.enableNetworkMonitoring", new Ignored("NeonVM's network monitoring sidecar", BooleanNode.FALSE));
        FIELDS.put("spec.guest.kernelImage", new Used(false));
        FIELDS.put("spec.guest.memhpAutoMovableRatio", new Used(false));
        FIELDS.put("spec.guest.appendKernelCmdline", new Used(false));
        FIELDS.put("spec.guest.cpus", new Used(false));
        FIELDS.put("spec.guest.memorySlotSize", new Used(false));
        FIELDS.put("spec.guest.memorySlots", new Used(false));
        FIELDS.put("spec.guest.memoryProvider", new UsedWith(Set.of(TextNode.valueOf("VirtioMem")),
                "memory is hot-plugged with virtio-mem; DIMM slots are not implemented"));
        FIELDS.put("spec.guest.rootDisk", new Used(true));
        FIELDS.put("spec.guest.rootDisk.image", new Used(false));
        FIELDS.put("spec.guest.rootDisk.size", new Used(false));
        FIELDS.put("spec.guest.rootDisk.imagePullPolicy", new Ignored("images come from the node's image store",
                TextNode.valueOf("IfNotPresent")));
        FIELDS.put("spec.guest.rootDisk.execute", new Refused("nothing is executed in the guest on request"));
        FIELDS.put("spec.guest.command", new Used(false));
        FIELDS.put("spec.guest.args", new Used(false));
        FIELDS.put("spec.guest.env", new Used(false));
        FIELDS.put("spec.guest.ports", new Ignored("the VM's own address reaches every port", null));
        FIELDS.put("spec.guest.settings", new Used(true));
        FIELDS.put("spec.guest.settings.sysctl", new Used(false));
        FIELDS.put("spec.guest.settings.swap", new Used(false));
    }

    private FieldSupport() {
    }

    /** Every path the table names, with its treatment. */
    public static Map<String, Support> table() {
        return java.util.Collections.unmodifiableMap(FIELDS);
    }

    /**
     * Refuses the first field vmflex does not do.
     *
     * @throws InvalidSpecException {@code not supported by vmflex: <path> (why)}
     */
    public static void refuseUnsupported(VirtualMachine vm) {
        walk(Manifests.toTree(vm).path("spec"), "spec", null);
    }

    /**
     * The fields present that vmflex ignores, with why ({@code "spec.podResources: only a Kubernetes pod
     * uses it"}), leaving out those at NeonVM's default value. Empty when there are none.
     */
    public static List<String> ignored(VirtualMachine vm) {
        List<String> out = new ArrayList<>();
        walk(Manifests.toTree(vm).path("spec"), "spec", out);
        return out;
    }

    private static void walk(JsonNode node, String path, List<String> ignored) {
        if (node.isMissingNode() || node.isNull() || (node.isContainerNode() && node.isEmpty())) {
            return;
        }
        Support support = FIELDS.get(path);
        if (support == null) {
            // The model has grown a field without deciding what vmflex does with it: refuse it.
            throw InvalidSpecException.unsupported(path, "not known to this vmflex");
        }
        switch (support) {
            case Used used -> {
                if (used.descend() && node.isArray()) {
                    // A list's elements share the list's path.
                    for (JsonNode element : node) {
                        walk(element, path, ignored);
                    }
                } else if (used.descend() && node.isObject()) {
                    for (Map.Entry<String, JsonNode> field : node.properties()) {
                        walk(field.getValue(), path + "." + field.getKey(), ignored);
                    }
                }
            }
            case Ignored i -> {
                if (ignored != null && !node.equals(i.defaultValue())) {
                    ignored.add(path + ": " + i.why());
                }
            }
            case Refused r -> {
                if (ignored == null) {
                    throw InvalidSpecException.unsupported(path, r.why());
                }
            }
            case UsedWith w -> {
                if (ignored == null && !w.values().contains(node)) {
                    throw InvalidSpecException.unsupported(path + " = " + node.asText(), w.why());
                }
            }
        }
    }
}
