package io.vmflex.api.permit;

import java.util.List;

/**
 * What a node report changed, as data the caller turns into events and metrics. Immutable.
 *
 * @param rebuilt      true when the report was the node's first since the scheduler started and the
 *                     node's books were rebuilt from it (increases on the node are allowed from now)
 * @param conflicts    VMs the report lists that the scheduler books on another node; not taken
 * @param unknown      VMs the report lists that a synced node never admitted; not taken
 * @param missing      VMs the scheduler books on the node that the report does not list; kept (a
 *                     deletion releases them, a report never does: it may be older than the books)
 * @param overUse      VMs reported using more than the scheduler held for them; their reservation
 *                     was raised to what they use
 * @param overCapacity whether the node's reserved is now above its capacity (only reported use can
 *                     do that; no grant does)
 */
public record ReportResult(String node, boolean rebuilt, List<String> conflicts, List<String> unknown,
                           List<String> missing, List<String> overUse, boolean overCapacity) {

    public ReportResult {
        conflicts = List.copyOf(conflicts);
        unknown = List.copyOf(unknown);
        missing = List.copyOf(missing);
        overUse = List.copyOf(overUse);
    }
}
