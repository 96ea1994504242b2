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
import io.vmflex.api.vm.CpuRange;
import io.vmflex.api.vm.EmptyDiskSource;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.GuestSettings;
import io.vmflex.api.vm.GuestStatus;
import io.vmflex.api.vm.RootDisk;
import io.vmflex.api.vm.TmpfsDiskSource;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineSpec;
import io.vmflex.api.vm.VirtualMachineStatus;

import static io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type.DATE;

/**
 * The {@code virtualmachines.vm.neon.tech} custom resource: api's {@link VirtualMachineSpec} and
 * {@link VirtualMachineStatus} as spec and status, so the CRD's schema is generated from the very
 * records the daemon parses (deploy/crds/ holds the generated CRD). The printer columns are NeonVM's,
 * so {@code kubectl get neonvm} reads as it does there; {@code -o wide} adds the node, image and modes.
 * fabric8 sorts the columns by path; {@link PrinterColumnOrder} puts them back in the order declared here.
 *
 * <p>{@code MilliCpu} and {@code ByteQuantity} are written by a {@code @JsonValue} method the generator
 * cannot see through: every field of those types is swapped for Kubernetes' int-or-string, which is how
 * NeonVM (and Kubernetes' own quantities) type them. {@code CrdSchemaTest} fails on a field left untyped,
 * so a new field of either type that is not listed here is caught.
 */
@Group(VirtualMachine.GROUP)
@Version("v1")
@Kind(VirtualMachine.KIND)
@Plural("virtualmachines")
@Singular("neonvm")
@AdditionalPrinterColumn(name = "Cpus", jsonPath = ".status.cpus")
@AdditionalPrinterColumn(name = "Memory", jsonPath = ".status.memorySize")
@AdditionalPrinterColumn(name = "Pod", jsonPath = ".status.podName")
@AdditionalPrinterColumn(name = "ExtraIP", jsonPath = ".status.extraNetIP")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Restarts", jsonPath = ".status.restartCount")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = DATE)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.node", priority = 1)
@AdditionalPrinterColumn(name = "Image", jsonPath = ".spec.guest.rootDisk.image", priority = 1)
@AdditionalPrinterColumn(name = "CPUScalingMode", jsonPath = ".spec.cpuScalingMode", priority = 1)
@AdditionalPrinterColumn(name = "TargetArchitecture", jsonPath = ".spec.targetArchitecture", priority = 1)
@SchemaSwap(originalType = CpuRange.class, fieldName = "min", targetType = IntOrString.class)
@SchemaSwap(originalType = CpuRange.class, fieldName = "use", targetType = IntOrString.class)
@SchemaSwap(originalType = CpuRange.class, fieldName = "max", targetType = IntOrString.class)
@SchemaSwap(originalType = VirtualMachineStatus.class, fieldName = "cpus", targetType = IntOrString.class)
@SchemaSwap(originalType = VirtualMachineStatus.class, fieldName = "memorySize", targetType = IntOrString.class)
@SchemaSwap(originalType = Guest.class, fieldName = "memorySlotSize", targetType = IntOrString.class)
@SchemaSwap(originalType = GuestSettings.class, fieldName = "swap", targetType = IntOrString.class)
@SchemaSwap(originalType = GuestStatus.class, fieldName = "memoryTotal", targetType = IntOrString.class)
@SchemaSwap(originalType = GuestStatus.class, fieldName = "memoryUsed", targetType = IntOrString.class)
@SchemaSwap(originalType = RootDisk.class, fieldName = "size", targetType = IntOrString.class)
@SchemaSwap(originalType = EmptyDiskSource.class, fieldName = "size", targetType = IntOrString.class)
@SchemaSwap(originalType = TmpfsDiskSource.class, fieldName = "size", targetType = IntOrString.class)
public class NeonVm extends CustomResource<VirtualMachineSpec, VirtualMachineStatus> implements Namespaced {
}
