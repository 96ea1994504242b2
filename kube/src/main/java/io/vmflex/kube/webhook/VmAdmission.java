package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.VmValidator;
import io.vmflex.api.vm.VirtualMachine;

import java.util.Objects;

/**
 * Judges VirtualMachine creates and updates with the rules the node daemon applies (api's
 * {@link Manifests} strict parsing, {@link VmValidator}, the bounds annotation, FieldSupport's refused
 * fields), so that {@code kubectl apply} of a VM the daemon would refuse fails at once, naming the
 * field. Pure and thread-safe.
 *
 * <p>What it reads of an object: apiVersion, kind, spec, and of the metadata only name, namespace,
 * labels and annotations (the rest is the server's: uid, managedFields, ...). Status is the daemon's,
 * written through the status subresource, which is let through.
 *
 * <p>Updates are let through without judging when the object is being deleted (the daemon removes its
 * finalizer then, and a VM stored while the webhook was down must still be able to go), and when
 * neither spec, labels nor annotations change (finalizers, owner references): the daemon treats such
 * an update as no change either.
 */
public final class VmAdmission {

    private static final String GROUP = VirtualMachine.GROUP;
    private static final String RESOURCE = "virtualmachines";

    private VmAdmission() {
    }

    public static AdmissionDecision review(AdmissionRequest request) {
        if (!GROUP.equals(request.group()) || !RESOURCE.equals(request.resource())) {
            return new AdmissionDecision.Denied(400, "BadRequest", "this webhook judges only " + RESOURCE + "." + GROUP
                    + ", not " + request.resource() + (request.group().isEmpty() ? "" : "." + request.group())
                    + ": fix the ValidatingWebhookConfiguration's rules");
        }
        if (!request.subResource().isEmpty()) {
            return new AdmissionDecision.Allowed();
        }
        return switch (request.operation()) {
            case "CREATE" -> create(request.object());
            case "UPDATE" -> update(request.oldObject(), request.object());
            default -> new AdmissionDecision.Allowed();
        };
    }

    private static AdmissionDecision create(JsonNode object) {
        if (object == null) {
            return new AdmissionDecision.Denied(400, "BadRequest", "request.object: required for CREATE");
        }
        try {
            VmValidator.validateCreate(toVm(object));
            return new AdmissionDecision.Allowed();
        } catch (InvalidSpecException e) {
            return invalid(e);
        }
    }

    private static AdmissionDecision update(JsonNode oldObject, JsonNode object) {
        if (object == null || oldObject == null) {
            return new AdmissionDecision.Denied(400, "BadRequest", "request.object and request.oldObject: required for UPDATE");
        }
        if (object.path("metadata").hasNonNull("deletionTimestamp")) {
            return new AdmissionDecision.Allowed();
        }
        if (Objects.equals(object.get("spec"), oldObject.get("spec"))
                && Objects.equals(object.path("metadata").get("labels"), oldObject.path("metadata").get("labels"))
                && Objects.equals(object.path("metadata").get("annotations"), oldObject.path("metadata").get("annotations"))) {
            return new AdmissionDecision.Allowed();
        }
        VirtualMachine after;
        try {
            after = toVm(object);
        } catch (InvalidSpecException e) {
            return invalid(e);
        }
        VirtualMachine before;
        try {
            before = toVm(oldObject);
        } catch (InvalidSpecException e) {
            // Stored while the webhook was down or before it existed: judge the new object on its own.
            try {
                VmValidator.validateCreate(after);
                return new AdmissionDecision.Allowed();
            } catch (InvalidSpecException e2) {
                return invalid(e2);
            }
        }
        try {
            VmValidator.validateUpdate(before, after);
            return new AdmissionDecision.Allowed();
        } catch (InvalidSpecException e) {
            return invalid(e);
        }
    }

    /** The object as the validator reads it: the server's metadata fields and the status left out. */
    static VirtualMachine toVm(JsonNode object) {
        ObjectNode vm = JsonNodeFactory.instance.objectNode();
        copy(object, vm, "apiVersion");
        copy(object, vm, "kind");
        JsonNode metadata = object.get("metadata");
        if (metadata != null && metadata.isObject()) {
            ObjectNode meta = vm.putObject("metadata");
            copy(metadata, meta, "name");
            copy(metadata, meta, "namespace");
            copy(metadata, meta, "labels");
            copy(metadata, meta, "annotations");
        }
        copy(object, vm, "spec");
        return Manifests.fromTree(vm);
    }

    private static void copy(JsonNode from, ObjectNode to, String key) {
        JsonNode value = from.get(key);
        if (value != null) {
            to.set(key, value);
        }
    }

    /**
     * 403, as admission webhooks usually answer: kubectl prints a 403's message whole ("Error from server
     * (Forbidden): ... denied the request: spec.guest.cpus.use: ..."), while kubectl 1.20 prints a 422
     * Invalid without causes as just "The request is invalid", hiding the field.
     */
    private static AdmissionDecision invalid(InvalidSpecException e) {
        return new AdmissionDecision.Denied(403, "Forbidden", e.getMessage());
    }
}
