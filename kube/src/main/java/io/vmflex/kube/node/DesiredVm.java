package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.VmDefaults;
import io.vmflex.api.validation.VmValidator;
import io.vmflex.api.vm.VirtualMachine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The VM the node should run for a VirtualMachine object: its spec parsed, defaulted and checked
 * with the rules the daemon applies to {@code vmctl apply}, under its {@link LocalName}, carrying the
 * object's labels and annotations plus the {@link Ownership} annotations. A spec the webhook would
 * have refused (it was down, or bypassed) gives {@link Invalid} with the field named.
 *
 * <p>Pure; thread-safe.
 */
public final class DesiredVm {
    /** kubectl's copy of the whole object: large, and nothing the VM needs. */
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private DesiredVm() {
    }

    public sealed interface Result {
    }

    public record Valid(VirtualMachine vm) implements Result {
    }

    /** @param message one line naming the field, e.g. {@code spec.guest.cpus.use: must be <= max} */
    public record Invalid(String message) implements Result {
    }

    public static Result of(KubeVm object) {
        String local;
        switch (LocalName.encode(object.key())) {
            case LocalName.Encoded.Unusable(String why) -> {
                return new Invalid(why);
            }
            case LocalName.Encoded.Name(String name) -> local = name;
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode tree = f.objectNode().put("apiVersion", VirtualMachine.API_VERSION).put("kind", VirtualMachine.KIND);
        ObjectNode meta = tree.putObject("metadata").put("name", local).put("namespace", object.key().namespace());
        if (!object.labels().isEmpty()) {
            ObjectNode labels = meta.putObject("labels");
            object.labels().forEach(labels::put);
        }
        ObjectNode annotations = meta.putObject("annotations");
        annotations(object).forEach(annotations::put);
        tree.set("spec", object.spec());
        try {
            VirtualMachine vm = VmDefaults.apply(Manifests.fromTree(tree));
            VmValidator.validateCreate(vm);
            return new Valid(vm);
        } catch (InvalidSpecException e) {
            return new Invalid(e.getMessage());
        }
    }

    /** Whether the node's VM already has what {@code desired} asks for (spec, labels, annotations). */
    public static boolean matches(VirtualMachine local, VirtualMachine desired) {
        return Objects.equals(local.spec(), desired.spec())
                && Objects.equals(orEmpty(local.metadata().labels()), orEmpty(desired.metadata().labels()))
                && Objects.equals(orEmpty(local.metadata().annotations()), orEmpty(desired.metadata().annotations()));
    }

    private static Map<String, String> annotations(KubeVm object) {
        Map<String, String> a = new LinkedHashMap<>(object.annotations());
        a.remove(LAST_APPLIED);
        a.put(Ownership.OBJECT, object.key().toString());
        if (object.uid() != null) {
            a.put(Ownership.UID, object.uid());
        }
        return a;
    }

    private static Map<String, String> orEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
