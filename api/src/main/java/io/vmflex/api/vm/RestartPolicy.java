package io.vmflex.api.vm;

/**
 * What to do when the guest stops, as NeonVM's {@code spec.restartPolicy}. NeonVM's CRD defaults
 * it to {@link #Always}; see {@code VmDefaults}.
 */
public enum RestartPolicy {
    /** Restart whatever the exit status. */
    Always,
    /** Restart only after a failure (non-zero exit or crash). */
    OnFailure,
    /** Never restart; the VM ends in Succeeded or Failed. */
    Never
}
