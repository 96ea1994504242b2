package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.soabase.recordbuilder.core.RecordBuilder;

import java.util.List;
import java.util.Map;

/**
 * The desired state of a VM, field for field NeonVM's {@code VirtualMachineSpec}, so that a
 * NeonVM manifest parses unchanged. Kubernetes structures that vmflex passes through or ignores
 * (affinity, tolerations, podResources, extraInitContainers, overcommit) are kept as JSON trees.
 * {@code null} means absent; NeonVM's defaults are filled by {@code VmDefaults}.
 *
 * <p>Immutable (the JSON trees must not be mutated by callers).
 *
 * @param qmp                           NeonVM runner's QMP port (default 20183); unused by vmflex
 * @param qmpManual                     NeonVM runner's second QMP port (default 20184); unused
 * @param runnerPort                    NeonVM runner's HTTP port (default 25183); unused
 * @param terminationGracePeriodSeconds time the guest gets to shut down (default 5)
 * @param restartPolicy                 default Always
 * @param targetArchitecture            may be set once, never changed afterwards
 * @param serviceLinks                  wire name {@code service_links}
 * @param enableAcceleration            use KVM (default true); vmflex falls back to TCG without it
 * @param cpuScalingMode                may be set once, never changed afterwards
 */
@RecordBuilder
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VirtualMachineSpec(
        Integer qmp,
        Integer qmpManual,
        Integer runnerPort,
        Long terminationGracePeriodSeconds,
        Map<String, String> nodeSelector,
        JsonNode affinity,
        JsonNode tolerations,
        String schedulerName,
        String serviceAccountName,
        JsonNode podResources,
        RestartPolicy restartPolicy,
        List<LocalObjectReference> imagePullSecrets,
        CpuArchitecture targetArchitecture,
        Guest guest,
        JsonNode extraInitContainers,
        String initScript,
        List<Disk> disks,
        ExtraNetwork extraNetwork,
        @JsonProperty("service_links") Boolean serviceLinks,
        Boolean enableAcceleration,
        String runnerImage,
        @JsonProperty("enableSSH") Boolean enableSsh,
        TlsProvisioning tls,
        JsonNode overcommit,
        RevisionWithTime targetRevision,
        CpuScalingMode cpuScalingMode,
        Boolean enableNetworkMonitoring) implements VirtualMachineSpecBuilder.With {

    public VirtualMachineSpec {
        nodeSelector = Copies.map(nodeSelector);
        imagePullSecrets = Copies.list(imagePullSecrets);
        disks = Copies.list(disks);
    }

    /** A spec with only a guest; everything else absent. */
    public static VirtualMachineSpec of(Guest guest) {
        return new VirtualMachineSpec(null, null, null, null, null, null, null, null, null, null, null, null,
                null, guest, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

}
