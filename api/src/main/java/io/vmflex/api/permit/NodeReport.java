package io.vmflex.api.permit;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Node → scheduler, {@code PUT /v1/nodes/{node}/report}: every VM the node runs (autoscaled or not:
 * all of them take the node's resources), with
 * what it uses and the permit its agent holds. A scheduler that (re)starts knows nothing; it grants
 * no increase on a node until that node's report has told it what runs there.
 *
 * <p>Immutable and thread-safe.
 *
 * @param version the permit protocol version
 * @param node    the reporting node
 * @param vms     the VMs, at most {@link #MAX_VMS}, names unique
 */
public record NodeReport(
        @JsonProperty(required = true) int version,
        @JsonProperty(required = true) String node,
        @JsonProperty(required = true) List<VmReport> vms) {

    /** More VMs than any node can run. */
    public static final int MAX_VMS = 4096;

    public NodeReport {
        PermitCodec.checkVersion(version);
        Fields.name(node, "node");
        Fields.required(vms, "vms");
        if (vms.size() > MAX_VMS) {
            throw new InvalidPermitMessageException("vms", "at most " + MAX_VMS + " entries, got " + vms.size());
        }
        vms = List.copyOf(vms);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < vms.size(); i++) {
            if (!seen.add(vms.get(i).vm())) {
                throw new InvalidPermitMessageException("vms[" + i + "].vm", "duplicate VM " + Fields.quote(vms.get(i).vm()));
            }
        }
    }

    /**
     * One VM as its node sees it.
     *
     * @param vm            the VM's name
     * @param use           what it uses now
     * @param max           its spec's maximum (increases are capped there)
     * @param lastPermit    the permit its agent holds; optional (absent: none beyond {@code use})
     * @param lastSeq       the seq of the last answer its agent received, 0 if none
     * @param createdAt     when the VM was created (the oldest move first off a full node)
     * @param autoMigration whether it carries {@code autoscaling.neon.tech/auto-migration-enabled: "true"}
     */
    public record VmReport(
            @JsonProperty(required = true) String vm,
            @JsonProperty(required = true) ResourceAmount use,
            @JsonProperty(required = true) ResourceAmount max,
            ResourceAmount lastPermit,
            @JsonProperty(required = true) long lastSeq,
            @JsonProperty(required = true) Instant createdAt,
            @JsonProperty(required = true) boolean autoMigration) {

        public VmReport {
            Fields.name(vm, "vm");
            Fields.required(use, "use");
            Fields.required(max, "max");
            Fields.range(lastSeq, 0, Long.MAX_VALUE, "lastSeq");
            Fields.required(createdAt, "createdAt");
            if (!use.fitsIn(max)) {
                throw new InvalidPermitMessageException("use", "must not exceed max (" + max.describe() + "), got "
                        + use.describe());
            }
        }
    }
}
