package io.vmflex.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.CpuRange;
import io.vmflex.api.vm.Disk;
import io.vmflex.api.vm.EnvVar;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.MemorySlots;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.ObjectMeta;
import io.vmflex.api.vm.Port;
import io.vmflex.api.vm.RevisionWithTime;
import io.vmflex.api.vm.RootDisk;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineSpec;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The rules NeonVM's admission webhook and CRD schema enforce, plus what vmflex needs to boot a
 * VM. Both methods validate the document as it will be stored, that is after
 * {@link VmDefaults#apply}, and throw on the first broken rule with the field named:
 * {@code spec.guest.cpus.use: must be at most spec.guest.cpus.max (4), got 5}.
 *
 * <p>Stricter than NeonVM on purpose: {@code spec.guest.cpus}, {@code memorySlots} and
 * {@code rootDisk.image} are required and {@code cpus.min} must be above zero (QEMU needs at
 * least one vCPU); {@code memorySlotSize}, the kernel settings and the memory bounds are immutable
 * (the virtio-mem device and the kernel command line are fixed at boot).
 *
 * <p>Stateless and thread-safe.
 */
public final class VmValidator {

    /** NeonVM's CRD bounds for each memorySlots value. */
    public static final int MAX_MEMORY_SLOTS = 512;
    /** virtio-mem block size; a slot must be a whole number of blocks. */
    public static final long MEMORY_BLOCK_BYTES = 8 * ByteQuantity.MI;
    public static final int MAX_DISK_NAME = 32;
    public static final Set<String> RESERVED_DISK_NAMES = Set.of("virtualmachineimages", "rootdisk", "runtime",
            "swapdisk", "sysfscgroup", "ssh-privatekey", "ssh-publickey", "ssh-authorized-keys", "tls");
    public static final String RESERVED_PORT_NAME = "qmp";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final int MAX_DNS_LABEL = 63;
    /** The longest a delete waits for a guest to power off: one hour. */
    static final long MAX_TERMINATION_GRACE_SECONDS = 3600;

    private VmValidator() {
    }

    /** Checks a VM being created. @throws InvalidSpecException on the first broken rule */
    public static void validateCreate(VirtualMachine vm) {
        validate(VmDefaults.apply(vm));
    }

    /**
     * Checks a change from {@code old} to {@code updated}: NeonVM's immutable fields must stay the
     * same ({@code spec.guest.memorySlotSize: is immutable}), {@code cpuScalingMode} and
     * {@code targetArchitecture} may only go from absent to set, and the result must pass every
     * create rule.
     *
     * @throws InvalidSpecException on the first broken rule
     */
    public static void validateUpdate(VirtualMachine old, VirtualMachine updated) {
        VirtualMachine before = VmDefaults.apply(old);
        VirtualMachine after = VmDefaults.apply(updated);
        immutable("metadata.name", before, after, vm -> meta(vm).name());
        immutable("metadata.namespace", before, after, vm -> meta(vm).namespace());
        immutable("spec.guest.cpus.min", before, after, vm -> cpus(vm).min());
        immutable("spec.guest.cpus.max", before, after, vm -> cpus(vm).max());
        immutable("spec.guest.memorySlots.min", before, after, vm -> slots(vm).min());
        immutable("spec.guest.memorySlots.max", before, after, vm -> slots(vm).max());
        immutable("spec.guest.memorySlotSize", before, after, vm -> guest(vm).memorySlotSize());
        immutable("spec.guest.kernelImage", before, after, vm -> guest(vm).kernelImage());
        immutable("spec.guest.appendKernelCmdline", before, after, vm -> guest(vm).appendKernelCmdline());
        immutable("spec.guest.memhpAutoMovableRatio", before, after, vm -> guest(vm).memhpAutoMovableRatio());
        immutable("spec.guest.ports", before, after, vm -> list(guest(vm).ports()));
        immutable("spec.guest.rootDisk", before, after, vm -> guest(vm).rootDisk());
        immutable("spec.guest.command", before, after, vm -> list(guest(vm).command()));
        immutable("spec.guest.args", before, after, vm -> list(guest(vm).args()));
        immutable("spec.guest.env", before, after, vm -> list(guest(vm).env()));
        immutable("spec.guest.settings", before, after, vm -> guest(vm).settings());
        immutable("spec.disks", before, after, vm -> list(spec(vm).disks()));
        immutable("spec.podResources", before, after, vm -> spec(vm).podResources());
        immutable("spec.enableAcceleration", before, after, vm -> spec(vm).enableAcceleration());
        immutable("spec.enableSSH", before, after, vm -> spec(vm).enableSsh());
        immutable("spec.initScript", before, after, vm -> spec(vm).initScript());
        immutable("spec.enableNetworkMonitoring", before, after, vm -> spec(vm).enableNetworkMonitoring());
        setOnce("spec.cpuScalingMode", before, after, vm -> spec(vm).cpuScalingMode());
        setOnce("spec.targetArchitecture", before, after, vm -> spec(vm).targetArchitecture());
        validate(after);
    }

    private static void validate(VirtualMachine vm) {
        if (!VirtualMachine.API_VERSION.equals(vm.apiVersion())) {
            throw vm.apiVersion() == null ? required("apiVersion")
                    : fail("apiVersion", "must be " + VirtualMachine.API_VERSION + ", got \"" + vm.apiVersion() + '"');
        }
        if (!VirtualMachine.KIND.equals(vm.kind())) {
            throw vm.kind() == null ? required("kind")
                    : fail("kind", "must be " + VirtualMachine.KIND + ", got \"" + vm.kind() + '"');
        }
        validateMetadata(vm.metadata());
        VirtualMachineSpec spec = require("spec", vm.spec());
        validatePort("spec.qmp", spec.qmp());
        validatePort("spec.qmpManual", spec.qmpManual());
        validatePort("spec.runnerPort", spec.runnerPort());
        if (spec.terminationGracePeriodSeconds() != null && (spec.terminationGracePeriodSeconds() < 0
                || spec.terminationGracePeriodSeconds() > MAX_TERMINATION_GRACE_SECONDS)) {
            // A delete holds the VM for that long, waiting for the guest to power off.
            throw fail("spec.terminationGracePeriodSeconds", "must be between 0 and " + MAX_TERMINATION_GRACE_SECONDS
                    + ", got " + spec.terminationGracePeriodSeconds());
        }
        jsonShape("spec.affinity", spec.affinity(), true);
        jsonShape("spec.tolerations", spec.tolerations(), false);
        jsonShape("spec.podResources", spec.podResources(), true);
        jsonShape("spec.extraInitContainers", spec.extraInitContainers(), false);
        jsonShape("spec.overcommit", spec.overcommit(), true);
        validateGuest(require("spec.guest", spec.guest()));
        // Labels and annotations of the autoscaler, checked against the guest's range just validated.
        AutoscalingSettings.of(vm);
        validateDisks(spec.disks());
        validateRevision("spec.targetRevision", spec.targetRevision());
        // Last, so that a malformed field is reported as such before being refused.
        FieldSupport.refuseUnsupported(vm);
    }

    private static void validateMetadata(ObjectMeta meta) {
        require("metadata", meta);
        String name = require("metadata.name", meta.name());
        dnsLabel("metadata.name", name, MAX_DNS_LABEL);
        if (meta.namespace() != null) {
            dnsLabel("metadata.namespace", meta.namespace(), MAX_DNS_LABEL);
        }
    }

    private static void validateGuest(Guest guest) {
        CpuRange cpus = require("spec.guest.cpus", guest.cpus());
        MilliCpu min = require("spec.guest.cpus.min", cpus.min());
        MilliCpu use = require("spec.guest.cpus.use", cpus.use());
        MilliCpu max = require("spec.guest.cpus.max", cpus.max());
        if (min.millis() == 0) {
            throw fail("spec.guest.cpus.min", "must be greater than 0");
        }
        if (max.compareTo(min) < 0) {
            throw fail("spec.guest.cpus.max", "must be at least spec.guest.cpus.min (" + min + "), got " + max);
        }
        if (use.compareTo(min) < 0) {
            throw fail("spec.guest.cpus.use", "must be at least spec.guest.cpus.min (" + min + "), got " + use);
        }
        if (use.compareTo(max) > 0) {
            throw fail("spec.guest.cpus.use", "must be at most spec.guest.cpus.max (" + max + "), got " + use);
        }

        ByteQuantity slotSize = require("spec.guest.memorySlotSize", guest.memorySlotSize());
        if (slotSize.bytes() == 0) {
            throw fail("spec.guest.memorySlotSize", "must be greater than 0");
        }
        if (slotSize.bytes() % MEMORY_BLOCK_BYTES != 0) {
            throw fail("spec.guest.memorySlotSize", "must be a multiple of 8Mi (the virtio-mem block size), got "
                    + slotSize);
        }
        MemorySlots slots = require("spec.guest.memorySlots", guest.memorySlots());
        int smin = slotCount("spec.guest.memorySlots.min", slots.min());
        int suse = slotCount("spec.guest.memorySlots.use", slots.use());
        int smax = slotCount("spec.guest.memorySlots.max", slots.max());
        if (smax < smin) {
            throw fail("spec.guest.memorySlots.max", "must be at least spec.guest.memorySlots.min (" + smin
                    + "), got " + smax);
        }
        if (suse < smin) {
            throw fail("spec.guest.memorySlots.use", "must be at least spec.guest.memorySlots.min (" + smin
                    + "), got " + suse);
        }
        if (suse > smax) {
            throw fail("spec.guest.memorySlots.use", "must be at most spec.guest.memorySlots.max (" + smax
                    + "), got " + suse);
        }
        if (slotSize.bytes() > Long.MAX_VALUE / smax) {
            throw fail("spec.guest.memorySlotSize", "times spec.guest.memorySlots.max is too large");
        }

        RootDisk root = require("spec.guest.rootDisk", guest.rootDisk());
        String image = require("spec.guest.rootDisk.image", root.image());
        if (image.isBlank()) {
            throw fail("spec.guest.rootDisk.image", "must not be empty");
        }
        List<EnvVar> env = list(guest.env());
        for (int i = 0; i < env.size(); i++) {
            String name = require("spec.guest.env[" + i + "].name", env.get(i).name());
            if (name.isEmpty()) {
                throw fail("spec.guest.env[" + i + "].name", "must not be empty");
            }
        }
        List<Port> ports = list(guest.ports());
        for (int i = 0; i < ports.size(); i++) {
            String field = "spec.guest.ports[" + i + "]";
            validatePort(field + ".port", require(field + ".port", ports.get(i).port()));
            if (RESERVED_PORT_NAME.equals(ports.get(i).name())) {
                throw fail(field + ".name", "'" + RESERVED_PORT_NAME + "' is reserved");
            }
        }
        GuestSettingsRules.validate(guest);
    }

    private static void validateDisks(List<Disk> disks) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list(disks).size(); i++) {
            Disk disk = disks.get(i);
            String field = "spec.disks[" + i + "]";
            String name = require(field + ".name", disk.name());
            if (RESERVED_DISK_NAMES.contains(name)) {
                throw fail(field + ".name", "'" + name + "' is reserved");
            }
            dnsLabel(field + ".name", name, MAX_DISK_NAME);
            if (!seen.add(name)) {
                throw fail(field + ".name", "duplicate disk name '" + name + "'");
            }
            String mountPath = require(field + ".mountPath", disk.mountPath());
            if (mountPath.isEmpty() || mountPath.contains(":")) {
                throw fail(field + ".mountPath", "must be a non-empty path without ':', got \"" + mountPath + '"');
            }
            int sources = (disk.emptyDisk() != null ? 1 : 0) + (disk.configMap() != null ? 1 : 0)
                    + (disk.secret() != null ? 1 : 0) + (disk.tmpfs() != null ? 1 : 0);
            if (sources != 1) {
                throw fail(field, "exactly one of emptyDisk, configMap, secret, tmpfs must be set, found " + sources);
            }
            if (disk.emptyDisk() != null) {
                positive(field + ".emptyDisk.size", require(field + ".emptyDisk.size", disk.emptyDisk().size()));
            }
            if (disk.tmpfs() != null) {
                positive(field + ".tmpfs.size", require(field + ".tmpfs.size", disk.tmpfs().size()));
            }
            jsonShape(field + ".configMap", disk.configMap(), true);
            jsonShape(field + ".secret", disk.secret(), true);
        }
    }

    private static void validateRevision(String field, RevisionWithTime revision) {
        if (revision == null) {
            return;
        }
        require(field + ".updatedAt", revision.updatedAt());
        require(field + ".revision", revision.revision());
        require(field + ".revision.value", revision.revision().value());
        require(field + ".revision.flags", revision.revision().flags());
    }

    private static int slotCount(String field, Integer value) {
        int n = require(field, value);
        if (n < 1 || n > MAX_MEMORY_SLOTS) {
            throw fail(field, "must be between 1 and " + MAX_MEMORY_SLOTS + ", got " + n);
        }
        return n;
    }

    private static void validatePort(String field, Integer port) {
        if (port != null && (port < 1 || port > 65535)) {
            throw fail(field, "must be between 1 and 65535, got " + port);
        }
    }

    private static void positive(String field, ByteQuantity size) {
        if (size.bytes() == 0) {
            throw fail(field, "must be greater than 0");
        }
    }

    private static void dnsLabel(String field, String value, int maxLength) {
        if (value.length() > maxLength) {
            throw fail(field, "must be at most " + maxLength + " characters, got " + value.length());
        }
        if (!DNS_LABEL.matcher(value).matches()) {
            throw fail(field, "must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending "
                    + "with a letter or digit), got \"" + value + '"');
        }
    }

    private static void jsonShape(String field, JsonNode node, boolean object) {
        if (node != null && !node.isNull() && (object ? !node.isObject() : !node.isArray())) {
            throw fail(field, "expected " + (object ? "an object" : "a list"));
        }
    }

    private static <T> void immutable(String field, VirtualMachine before, VirtualMachine after,
                                      Function<VirtualMachine, T> getter) {
        if (!Objects.equals(getter.apply(before), getter.apply(after))) {
            throw fail(field, "is immutable");
        }
    }

    private static <T> void setOnce(String field, VirtualMachine before, VirtualMachine after,
                                    Function<VirtualMachine, T> getter) {
        T was = getter.apply(before);
        if (was != null && !was.equals(getter.apply(after))) {
            throw fail(field, "cannot be changed once it is set");
        }
    }

    // Null-safe navigation for the immutability checks: an absent parent reads as empty.
    private static final ObjectMeta NO_META = ObjectMeta.named(null);
    private static final VirtualMachineSpec NO_SPEC = VirtualMachineSpec.of(null);
    private static final Guest NO_GUEST = Guest.of(null, null, null, null);
    private static final CpuRange NO_CPUS = new CpuRange(null, null, null);
    private static final MemorySlots NO_SLOTS = new MemorySlots(null, null, null);

    private static ObjectMeta meta(VirtualMachine vm) {
        return vm.metadata() == null ? NO_META : vm.metadata();
    }

    private static VirtualMachineSpec spec(VirtualMachine vm) {
        return vm.spec() == null ? NO_SPEC : vm.spec();
    }

    private static Guest guest(VirtualMachine vm) {
        return spec(vm).guest() == null ? NO_GUEST : spec(vm).guest();
    }

    private static CpuRange cpus(VirtualMachine vm) {
        return guest(vm).cpus() == null ? NO_CPUS : guest(vm).cpus();
    }

    private static MemorySlots slots(VirtualMachine vm) {
        return guest(vm).memorySlots() == null ? NO_SLOTS : guest(vm).memorySlots();
    }

    /** Absent and empty lists are the same thing on the wire (omitempty). */
    private static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <T> T require(String field, T value) {
        if (value == null) {
            throw required(field);
        }
        return value;
    }

    private static InvalidSpecException required(String field) {
        return fail(field, "required");
    }

    private static InvalidSpecException fail(String field, String detail) {
        return new InvalidSpecException(field, detail);
    }
}
