package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * What a {@code vm.neon.tech/v1} {@code VirtualMachineMigration} asks for, field for field NeonVM's,
 * so its manifests parse unchanged, plus vmflex's target node and the knobs {@code vmctl migrate} has.
 * Carried out by the source node's daemon in cluster mode; {@code null} means absent (the daemon's
 * default). Immutable (the JSON tree must not be mutated by callers).
 *
 * @param vmName                     the VirtualMachine to move, in the migration's namespace
 * @param nodeSelector               labels the target node must have
 * @param nodeAffinity               Kubernetes' node affinity for the target, passed through as JSON
 * @param preventMigrationToSameHost refuse a target on the source's own node
 * @param completionTimeout          seconds before the migration is given up
 * @param maxBandwidth               cap on the migration stream's rate, per second
 * @param targetNode                 vmflex: the node to move to; absent, the scheduler picks one into
 *                                   {@code status.targetNode}
 * @param downtimeLimitMs            vmflex: longest guest pause QEMU may plan for ({@code vmctl migrate --downtime-limit})
 * @param multifdChannels            vmflex: 1 = one stream, N &ge; 2 = multifd ({@code --multifd})
 * @param progressTimeoutSeconds     vmflex: fail when no progress for this long ({@code --progress-timeout})
 * @param completionTimeoutPerGiBSeconds vmflex: fail when not done within this per GiB of guest memory
 *                                   ({@code --completion-timeout-per-gib}); {@code completionTimeout} is the
 *                                   same limit for the whole VM
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VirtualMachineMigrationSpec(
        String vmName,
        Map<String, String> nodeSelector,
        JsonNode nodeAffinity,
        Boolean preventMigrationToSameHost,
        Integer completionTimeout,
        Boolean incremental,
        Boolean compress,
        Boolean autoConverge,
        ByteQuantity maxBandwidth,
        Boolean allowPostCopy,
        String targetNode,
        Long downtimeLimitMs,
        Integer multifdChannels,
        Integer progressTimeoutSeconds,
        Integer completionTimeoutPerGiBSeconds) {

    public VirtualMachineMigrationSpec {
        nodeSelector = Copies.map(nodeSelector);
    }
}
