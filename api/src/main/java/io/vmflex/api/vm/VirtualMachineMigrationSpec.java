package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * What a {@code vm.neon.tech/v1} {@code VirtualMachineMigration} asks for, field for field NeonVM's,
 * so its manifests parse unchanged. Carried out in cluster mode (issue 17, part 2); {@code null} means
 * absent. Immutable (the JSON tree must not be mutated by callers).
 *
 * @param vmName                     the VirtualMachine to move, in the migration's namespace
 * @param nodeSelector               labels the target node must have
 * @param nodeAffinity               Kubernetes' node affinity for the target, passed through as JSON
 * @param preventMigrationToSameHost refuse a target on the source's own node
 * @param completionTimeout          seconds before the migration is given up
 * @param maxBandwidth               cap on the migration stream's rate, per second
 * @param targetNode                 the node to move to; absent: the scheduler picks one and writes it to
 *                                   {@code status.targetNode} (the issue 18 contract; vmflex's field)
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
        String targetNode) {

    public VirtualMachineMigrationSpec {
        nodeSelector = Copies.map(nodeSelector);
    }
}
