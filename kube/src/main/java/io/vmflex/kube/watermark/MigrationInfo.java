package io.vmflex.kube.watermark;

import io.vmflex.api.vm.Condition;
import io.vmflex.api.vm.VirtualMachineMigrationSpec;
import io.vmflex.api.vm.VirtualMachineMigrationStatus;
import io.vmflex.api.vm.VirtualMachineMigrationStatus.VmmPhase;
import io.vmflex.kube.crd.NeonVmm;

import java.time.Instant;
import java.util.Map;

/**
 * What the watermark round needs of one VirtualMachineMigration, read from its object. Immutable.
 *
 * @param vmKey         {@code namespace/spec.vmName}: the VM's key in the books (null when the spec names none)
 * @param specTarget    {@code spec.targetNode}, null when absent
 * @param statusTarget  {@code status.targetNode}, null when absent
 * @param sourceNode    {@code status.sourceNode}, null until the daemon writes it
 * @param phase         {@code status.phase}, null before anyone wrote one
 * @param endedAt       for an ended migration, when it ended (the daemon's finish time, else the latest
 *                      condition change, else its creation); null while not ended
 * @param ours          made by this scheduler (label {@code vmflex.io/created-by=vmflex-scheduler})
 * @param deleting      a deletion timestamp is set
 */
public record MigrationInfo(String namespace, String name, String uid, String resourceVersion, String vmKey,
                            String specTarget, String statusTarget, String sourceNode, VmmPhase phase,
                            Instant createdAt, Instant endedAt, boolean ours, boolean deleting) {

    /** {@code namespace/name} of the migration itself. */
    public String key() {
        return namespace + "/" + name;
    }

    /** Succeeded or Failed: it holds nothing and touches no node any more. */
    public boolean ended() {
        return phase == VmmPhase.Succeeded || phase == VmmPhase.Failed;
    }

    /** The node it goes to: the spec's, else the one the scheduler chose; null while none. */
    public String target() {
        return specTarget != null ? specTarget : statusTarget;
    }

    public static MigrationInfo of(NeonVmm object) {
        var meta = object.getMetadata();
        VirtualMachineMigrationSpec spec = object.getSpec();
        VirtualMachineMigrationStatus status = object.getStatus();
        String vmName = spec == null ? null : blankToNull(spec.vmName());
        VmmPhase phase = status == null ? null : status.phase();
        Instant created = meta.getCreationTimestamp() == null ? Instant.EPOCH : Instant.parse(meta.getCreationTimestamp());
        Instant ended = null;
        if (phase == VmmPhase.Succeeded || phase == VmmPhase.Failed) {
            ended = created;
            if (status.info() != null && status.info().finishedAt() != null) {
                ended = status.info().finishedAt();
            } else if (status.conditions() != null) {
                for (Condition c : status.conditions()) {
                    if (c.lastTransitionTime() != null && c.lastTransitionTime().isAfter(ended)) {
                        ended = c.lastTransitionTime();
                    }
                }
            }
        }
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        return new MigrationInfo(meta.getNamespace(), meta.getName(), meta.getUid(), meta.getResourceVersion(),
                vmName == null ? null : meta.getNamespace() + "/" + vmName,
                spec == null ? null : blankToNull(spec.targetNode()),
                status == null ? null : blankToNull(status.targetNode()),
                status == null ? null : blankToNull(status.sourceNode()),
                phase, created, ended, MigrationContract.CREATED_BY.equals(labels.get(MigrationContract.CREATED_BY_LABEL)),
                meta.getDeletionTimestamp() != null);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
