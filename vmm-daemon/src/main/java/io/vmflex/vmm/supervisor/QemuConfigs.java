package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.netbridge.VmNetwork;
import io.vmflex.netbridge.VmNic;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.DataDiskFiles;
import io.vmflex.vmm.qemu.DataDisks;
import io.vmflex.vmm.qemu.GuestParameters;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.RootOverlay;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.SshKeyPair;
import io.vmflex.vmm.qemu.VmPaths;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Resolves what a VM's QEMU is started with: the images (rootDisk, kernelImage), the kernel command
 * line (image's, spec's, network, guest parameters, data disks), the VM's disk overlay, its data disks
 * and its NIC. Called by the
 * VM's supervisor, and by the target of a migration for the QEMU that receives the VM.
 *
 * <p>Stateless; thread-safe.
 */
public final class QemuConfigs {
    /** The kernel command line word of a SysfsScaling guest (the guest monitor's {@code SysfsCpus.CMDLINE_WORD}). */
    public static final String SYSFS_CPUS_WORD = "vmflex.cpu_scaling=sysfs";

    private QemuConfigs() {
    }

    /**
     * The config of the VM's own QEMU; makes the VM's disk overlay and its emptyDisks (formatted) when
     * they do not exist yet.
     *
     * @param nic the VM's NIC, or null
     */
    public static QemuVmConfig of(NodeContext node, VmPaths paths, VirtualMachine vm, SpecView spec, VmNic nic)
            throws ImageStore.ImageNotFoundException {
        return of(node, paths, vm, spec, nic, true);
    }

    /**
     * The config of a migration target's QEMU: as {@link #of}, but the emptyDisks it makes are left
     * unformatted, the source's disk mirror fills them.
     */
    public static QemuVmConfig ofIncoming(NodeContext node, VmPaths paths, VirtualMachine vm, SpecView spec, VmNic nic)
            throws ImageStore.ImageNotFoundException {
        return of(node, paths, vm, spec, nic, false);
    }

    private static QemuVmConfig of(NodeContext node, VmPaths paths, VirtualMachine vm, SpecView spec, VmNic nic,
            boolean formatDataDisks) throws ImageStore.ImageNotFoundException {
        DataDisks dataDisks = DataDisks.of(vm.spec().disks(), swapBytes(vm), paths);
        ImageStore.Image image = node.images().resolve(spec.image());
        ImageStore.Image kernelFrom = spec.kernelImage() == null || spec.kernelImage().isBlank()
                ? image : node.images().resolve(spec.kernelImage());
        // spec.enableSSH: the VM's own start makes its key pair once; a migration's target uses the one
        // it has (none on a first arrival: the guest keeps the key it booted with).
        String sshKey = !Boolean.TRUE.equals(vm.spec().enableSsh()) ? null
                : formatDataDisks ? SshKeyPair.ensure(paths, spec.name()) : SshKeyPair.existing(paths);
        String cmdline = (image.cmdline() + " " + Objects.requireNonNullElse(spec.appendCmdline(), "")
                + (nic == null ? "" : " " + VmNetwork.kernelIpArg(nic))
                + GuestParameters.kernelArgs(vm.spec().guest()) + dataDisks.kernelArg() + SshKeyPair.kernelArg(sshKey)
                // SysfsScaling: the guest's init and monitor leave offline CPUs offline; the host says how many.
                + (spec.sysfsCpus() ? " " + SYSFS_CPUS_WORD : "")).trim();
        if (cmdline.length() > GuestParameters.MAX_CMDLINE) {
            throw new IllegalArgumentException("kernel command line of " + cmdline.length() + " bytes exceeds "
                    + GuestParameters.MAX_CMDLINE + " (spec.guest.env/command/args/settings.sysctl/appendKernelCmdline/disks too long)");
        }
        DataDiskFiles.ensure(dataDisks, formatDataDisks);
        // NeonVM's enableAcceleration: false asks for emulation even where KVM is there.
        QemuVmConfig.Accel accel = Boolean.FALSE.equals(vm.spec().enableAcceleration()) ? QemuVmConfig.Accel.tcg : node.accel();
        return new QemuVmConfig(spec.name(), node.qemuBinary(), accel, spec.bootCpus(), spec.maxCpus(),
                spec.baseMemoryBytes(), spec.hotplugMemoryBytes(), node.virtioMemBlockBytes(),
                kernelFrom.kernel(), image.initrd(), image.disk() == null ? null : rootOverlay(node, paths, image.disk(), rootDiskBytes(vm)),
                cmdline, nic == null ? List.of() : VmNetwork.qemuArgs(nic), paths, dataDisks);
    }

    /** {@code spec.guest.settings.swap} in bytes, or null when not set. */
    public static Long swapBytes(VirtualMachine vm) {
        var settings = vm.spec().guest().settings();
        return settings == null || settings.swap() == null ? null : settings.swap().bytes();
    }

    /** {@code spec.guest.rootDisk.size} in bytes, or null when not set. */
    public static Long rootDiskBytes(VirtualMachine vm) {
        var root = vm.spec().guest().rootDisk();
        return root == null || root.size() == null ? null : root.size().bytes();
    }

    /**
     * The VM's qcow2 overlay over the image's disk, made once (of {@code sizeBytes}, or the image's
     * size when null): the image stays shared and unwritten, the VM's writes stay its own (and go
     * with it on delete). rootDisk is immutable, so an existing overlay already has its size.
     */
    private static Path rootOverlay(NodeContext node, VmPaths paths, Path imageDisk, Long sizeBytes) {
        Path overlay = paths.rootOverlay();
        if (Files.exists(overlay)) {
            return overlay;
        }
        Path qemuImg = node.qemuBinary().resolveSibling("qemu-img");
        try {
            String refusal = RootOverlay.refusal(sizeBytes, Files.size(imageDisk));
            if (refusal != null) {
                throw new IllegalArgumentException("spec.guest.rootDisk.size: " + refusal);
            }
            Process p = new ProcessBuilder(RootOverlay.createCommand(qemuImg, imageDisk, overlay, sizeBytes))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new IllegalArgumentException("cannot create the VM's disk overlay: " + out);
            }
            return overlay;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + qemuImg + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted while creating the disk overlay");
        }
    }
}
