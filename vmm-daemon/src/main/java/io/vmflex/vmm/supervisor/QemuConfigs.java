package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.netbridge.VmNetwork;
import io.vmflex.netbridge.VmNic;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.GuestParameters;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.VmPaths;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Resolves what a VM's QEMU is started with: the images (rootDisk, kernelImage), the kernel command
 * line (image's, spec's, network, guest parameters), the VM's disk overlay and its NIC. Called by the
 * VM's supervisor, and by the target of a migration for the QEMU that receives the VM.
 *
 * <p>Stateless; thread-safe.
 */
public final class QemuConfigs {
    private QemuConfigs() {
    }

    /** @param nic the VM's NIC, or null */
    public static QemuVmConfig of(NodeContext node, VmPaths paths, VirtualMachine vm, SpecView spec, VmNic nic)
            throws ImageStore.ImageNotFoundException {
        ImageStore.Image image = node.images().resolve(spec.image());
        ImageStore.Image kernelFrom = spec.kernelImage() == null || spec.kernelImage().isBlank()
                ? image : node.images().resolve(spec.kernelImage());
        String cmdline = (image.cmdline() + " " + Objects.requireNonNullElse(spec.appendCmdline(), "")
                + (nic == null ? "" : " " + VmNetwork.kernelIpArg(nic))
                + GuestParameters.kernelArgs(vm.spec().guest())).trim();
        if (cmdline.length() > GuestParameters.MAX_CMDLINE) {
            throw new IllegalArgumentException("kernel command line of " + cmdline.length() + " bytes exceeds "
                    + GuestParameters.MAX_CMDLINE + " (spec.guest.env/command/args/settings.sysctl/appendKernelCmdline too long)");
        }
        // NeonVM's enableAcceleration: false asks for emulation even where KVM is there.
        QemuVmConfig.Accel accel = Boolean.FALSE.equals(vm.spec().enableAcceleration()) ? QemuVmConfig.Accel.tcg : node.accel();
        return new QemuVmConfig(spec.name(), node.qemuBinary(), accel, spec.bootCpus(), spec.maxCpus(),
                spec.baseMemoryBytes(), spec.hotplugMemoryBytes(), node.virtioMemBlockBytes(),
                kernelFrom.kernel(), image.initrd(), image.disk() == null ? null : rootOverlay(node, paths, image.disk()),
                cmdline, nic == null ? List.of() : VmNetwork.qemuArgs(nic), paths);
    }

    /**
     * The VM's qcow2 overlay over the image's disk, made once: the image stays shared and unwritten,
     * the VM's writes stay its own (and go with it on delete).
     */
    private static Path rootOverlay(NodeContext node, VmPaths paths, Path imageDisk) {
        Path overlay = paths.rootOverlay();
        if (Files.exists(overlay)) {
            return overlay;
        }
        Path qemuImg = node.qemuBinary().resolveSibling("qemu-img");
        try {
            Process p = new ProcessBuilder(qemuImg.toString(), "create", "-q", "-f", "qcow2", "-F", "raw",
                    "-b", imageDisk.toAbsolutePath().toString(), overlay.toString()).redirectErrorStream(true).start();
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
