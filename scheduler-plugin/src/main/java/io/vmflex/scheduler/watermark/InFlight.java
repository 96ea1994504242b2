package io.vmflex.scheduler.watermark;

/**
 * A migration not yet ended (created, pending or running), whoever made it. While it runs its VM
 * holds room on both nodes: it still runs on the source and the target must keep room for it.
 * Immutable.
 *
 * @param vm     the VM's key in the books
 * @param source the node the VM runs on (the VM's node when the migration does not say)
 * @param target the chosen target, null while none is chosen
 */
public record InFlight(String vm, String source, String target) {

    public InFlight {
        if (vm == null || source == null) {
            throw new IllegalArgumentException("vm and source are required");
        }
    }
}
