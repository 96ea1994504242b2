package io.vmflex.kube.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineMigrationSpec;
import io.vmflex.api.vm.VirtualMachineMigrationStatus;

import static io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type.DATE;

/**
 * The {@code virtualmachinemigrations.vm.neon.tech} custom resource over api's migration records
 * (its controller comes with issue 17's part 2). Columns as NeonVM's, the nodes with {@code -o wide};
 * {@code maxBandwidth} is a quantity, typed int-or-string as in {@link NeonVm}.
 */
@Group(VirtualMachine.GROUP)
@Version("v1")
@Kind("VirtualMachineMigration")
@Plural("virtualmachinemigrations")
@Singular("neonvmm")
@AdditionalPrinterColumn(name = "VM", jsonPath = ".spec.vmName")
@AdditionalPrinterColumn(name = "Source", jsonPath = ".status.sourcePodName")
@AdditionalPrinterColumn(name = "SourceIP", jsonPath = ".status.sourcePodIP")
@AdditionalPrinterColumn(name = "Target", jsonPath = ".status.targetPodName")
@AdditionalPrinterColumn(name = "TargetIP", jsonPath = ".status.targetPodIP")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = DATE)
@AdditionalPrinterColumn(name = "SourceNode", jsonPath = ".status.sourceNode", priority = 1)
@AdditionalPrinterColumn(name = "TargetNode", jsonPath = ".status.targetNode", priority = 1)
@SchemaSwap(originalType = VirtualMachineMigrationSpec.class, fieldName = "maxBandwidth", targetType = IntOrString.class)
public class NeonVmm extends CustomResource<VirtualMachineMigrationSpec, VirtualMachineMigrationStatus> implements Namespaced {
}
