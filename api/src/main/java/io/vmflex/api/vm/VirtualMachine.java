package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.soabase.recordbuilder.core.RecordBuilder;

/**
 * A {@code vm.neon.tech/v1} {@code VirtualMachine} resource: the same document in standalone mode
 * (admin API, {@code vmctl apply}) and in cluster mode (the custom resource). Parse it with
 * {@code io.vmflex.api.validation.Manifests}, check it with {@code VmValidator}. Immutable.
 */
@RecordBuilder
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VirtualMachine(
        String apiVersion,
        String kind,
        ObjectMeta metadata,
        VirtualMachineSpec spec,
        VirtualMachineStatus status) implements VirtualMachineBuilder.With {

    public static final String GROUP = "vm.neon.tech";
    public static final String API_VERSION = GROUP + "/v1";
    public static final String KIND = "VirtualMachine";

    /** A new resource with the right apiVersion and kind and no status. */
    public static VirtualMachine of(ObjectMeta metadata, VirtualMachineSpec spec) {
        return new VirtualMachine(API_VERSION, KIND, metadata, spec, null);
    }

    /** Shortcut for {@code spec().guest()} changes: replaces the guest, keeps the rest. */
    public VirtualMachine withGuest(Guest newGuest) {
        return withSpec(spec.withGuest(newGuest));
    }

    /** {@code metadata.name}, or null when metadata is absent. */
    public String name() {
        return metadata == null ? null : metadata.name();
    }
}
