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
import static io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type.INTEGER;

/**
 * The {@code virtualmachinemigrations.vm.neon.tech} custom resource over api's migration records,
 * carried out by the source node's daemon ({@code io.vmflex.kube.migration}). {@code kubectl get neonvmm}
 * shows the VM, the source and target nodes, the phase, the guest's pause and the age; {@code -o wide}
 * adds the RAM sent, the total time and the message. {@code maxBandwidth} is a quantity, typed
 * int-or-string as in {@link NeonVm}.
 */
@Group(VirtualMachine.GROUP)
@Version("v1")
@Kind("VirtualMachineMigration")
@Plural("virtualmachinemigrations")
@Singular("neonvmm")
@AdditionalPrinterColumn(name = "VM", jsonPath = ".spec.vmName")
@AdditionalPrinterColumn(name = "Source", jsonPath = ".status.sourceNode")
@AdditionalPrinterColumn(name = "Target", jsonPath = ".status.targetNode")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "DowntimeMs", jsonPath = ".status.downtimeMs", type = INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = DATE)
@AdditionalPrinterColumn(name = "RamBytes", jsonPath = ".status.ramTransferredBytes", type = INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "TotalMs", jsonPath = ".status.totalTimeMs", type = INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", priority = 1)
@SchemaSwap(originalType = VirtualMachineMigrationSpec.class, fieldName = "maxBandwidth", targetType = IntOrString.class)
public class NeonVmm extends CustomResource<VirtualMachineMigrationSpec, VirtualMachineMigrationStatus> implements Namespaced {
}
