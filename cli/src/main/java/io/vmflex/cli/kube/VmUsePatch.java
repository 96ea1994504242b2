package io.vmflex.cli.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.kube.node.ObjectKey;

import java.time.Instant;

/**
 * The agent's write to a VirtualMachine object: one JSON patch with {@code test} ops of the
 * {@code cpus.use} and {@code memorySlots.use} it read (exactly as stored: {@code 1}, {@code "1"} or
 * {@code "1000m"}), {@code replace} of both and {@code add} of {@code /spec/targetRevision}, as field
 * manager {@link #FIELD_MANAGER}. A 422 means a test failed (someone changed {@code use} after the read):
 * read again and retry, a few times. Stateless; thread-safe.
 */
public final class VmUsePatch {

    public static final String FIELD_MANAGER = "vmflex-agent";
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final int ATTEMPTS = 4;

    private VmUsePatch() {
    }

    /**
     * Patches {@code use} and stamps {@code targetRevision} ({@code updatedAt} = {@code now}).
     *
     * @throws KubernetesClientException when the API refuses (after {@link #ATTEMPTS} guarded tries on 422)
     * @throws IllegalStateException     when the object is gone or has no {@code use}
     */
    public static void apply(KubernetesClient client, ObjectKey key, long cpuMillis, long slotsWanted, long revision,
                             Instant now) {
        apply(client, key, cpuMillis, slotsWanted, revision, now, () -> { });
    }

    /** As above; {@code betweenReadAndPatch} runs on every attempt (tests change the object there). */
    static void apply(KubernetesClient client, ObjectKey key, long cpuMillis, long slotsWanted, long revision,
                      Instant now, Runnable betweenReadAndPatch) {
        for (int attempt = 1; ; attempt++) {
            GenericKubernetesResource object = client.genericKubernetesResources("vm.neon.tech/v1", "VirtualMachine")
                    .inNamespace(key.namespace()).withName(key.name()).get();
            if (object == null) {
                throw new IllegalStateException("VirtualMachine " + key + " is gone");
            }
            JsonNode guest = JSON.valueToTree(object.getAdditionalProperties().get("spec")).path("guest");
            JsonNode cpus = guest.path("cpus").path("use");
            JsonNode memory = guest.path("memorySlots").path("use");
            if (cpus.isMissingNode() || memory.isMissingNode()) {
                throw new IllegalStateException("VirtualMachine " + key + " has no spec.guest.cpus.use or memorySlots.use");
            }
            ArrayNode patch = JSON.createArrayNode();
            patch.addObject().put("op", "test").put("path", "/spec/guest/cpus/use").set("value", cpus);
            patch.addObject().put("op", "test").put("path", "/spec/guest/memorySlots/use").set("value", memory);
            patch.addObject().put("op", "replace").put("path", "/spec/guest/cpus/use").put("value", cpuMillis + "m");
            patch.addObject().put("op", "replace").put("path", "/spec/guest/memorySlots/use").put("value", slotsWanted);
            ObjectNode target = patch.addObject().put("op", "add").put("path", "/spec/targetRevision").putObject("value");
            target.putObject("revision").put("value", revision).put("flags", 0);
            target.put("updatedAt", now.toString());
            betweenReadAndPatch.run();
            try {
                client.genericKubernetesResources("vm.neon.tech/v1", "VirtualMachine").inNamespace(key.namespace())
                        .withName(key.name()).patch(new PatchContext.Builder().withPatchType(PatchType.JSON)
                                .withFieldManager(FIELD_MANAGER).build(), patch.toString());
                return;
            } catch (KubernetesClientException e) {
                // 422: a test op failed, the object changed after it was read; read it again
                if (e.getCode() != 422 || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
