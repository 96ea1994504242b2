package io.vmflex.vmm.node;

import io.vmflex.api.admin.NodeInfo;
import io.vmflex.sys.cgroup.CgroupV2;
import io.vmflex.sys.cgroup.CpuHierarchy;
import io.vmflex.sys.cpu.HardwareVirtualization;
import io.vmflex.sys.kvm.KvmProbe;
import io.vmflex.sys.kvm.KvmReport;
import io.vmflex.sys.kvm.SelfTest;
import io.vmflex.vmm.qemu.QemuVmConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds out what this node can run VMs with, once at daemon start: KVM (API version, limits, a
 * real-mode self-test through KVM_RUN), hardware virtualisation flags, cgroup v2 controllers, tun,
 * the QEMU binary. Picks the accelerator: KVM only where the CPU has vmx/svm and the self-test
 * passed; TCG otherwise, with the reason in one sentence.
 */
public final class NodeCheck {
    static final List<String> WANTED_CONTROLLERS = List.of("cpu", "memory");

    private NodeCheck() {
    }

    /** The result plus the objects the daemon keeps using. */
    public record Result(NodeInfo info, QemuVmConfig.Accel accel, CpuHierarchy cpu) {
        /** QEMU before 8.0 corrupts its heap when a vCPU unplugged under TCG is plugged again. */
        public boolean cpuUnplugSafe() {
            return accel == QemuVmConfig.Accel.kvm || qemuMajor() >= 8;
        }

        /**
         * QEMU before 10.2 never unregisters an unplugged vCPU's TCG memory listener: the next
         * migration's first dirty-log sync runs work on that gone vCPU and waits for it forever
         * (seen: status "setup", 0 bytes sent, on 10.0.2). KVM registers no such listener.
         */
        public boolean migrateAfterCpuUnplugSafe() {
            return accel == QemuVmConfig.Accel.kvm || qemuVersionAtLeast(info.qemu().version(), 10, 2);
        }

        /** QEMU's major version, 0 when unknown. */
        public int qemuMajor() {
            return NodeCheck.qemuMajor(info.qemu().version());
        }
    }

    static boolean qemuVersionAtLeast(String version, int major, int minor) {
        int have = qemuMajor(version);
        if (have != major) {
            return have > major;
        }
        String[] parts = version.split("\\.");
        try {
            return parts.length > 1 && Integer.parseInt(parts[1]) >= minor;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static int qemuMajor(String version) {
        if (version == null) {
            return 0;
        }
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public static Result run(String nodeName, Path qemuBinary, Path devKvm, Path cgroupRoot, String cgroupParent, String accelOverride) {
        KvmReport kvm = KvmProbe.probe(devKvm);
        String selfTest = switch (kvm.selfTest()) {
            case null -> "not run";
            case SelfTest.Passed p -> "passed";
            case SelfTest.Failed f -> "failed: " + f.reason();
        };
        NodeInfo.Kvm kvmInfo = new NodeInfo.Kvm(devKvm.toString(), kvm.present(),
                kvm.present() ? kvm.apiVersion() : null, kvm.present() ? kvm.maxVcpus() : null,
                kvm.present() ? kvm.memorySlots() : null, selfTest, kvm.error());
        HardwareVirtualization hv;
        try {
            hv = HardwareVirtualization.detect();
        } catch (IOException e) {
            hv = new HardwareVirtualization(false, List.of());
        }
        NodeInfo.HardwareVirtualization hvInfo = new NodeInfo.HardwareVirtualization(hv.present(), hv.flags());

        QemuVmConfig.Accel accel;
        String reason;
        boolean kvmUsable = kvm.usable() && hv.present();
        if ("tcg".equals(accelOverride)) {
            accel = QemuVmConfig.Accel.tcg;
            reason = "TCG forced by configuration";
        } else if ("kvm".equals(accelOverride)) {
            accel = QemuVmConfig.Accel.kvm;
            reason = "KVM forced by configuration";
        } else if (kvmUsable) {
            accel = QemuVmConfig.Accel.kvm;
            reason = "KVM self-test passed and the CPU has " + String.join("/", hv.flags());
        } else {
            accel = QemuVmConfig.Accel.tcg;
            if (!kvm.present()) {
                reason = "no usable " + devKvm + (kvm.error() == null ? "" : " (" + kvm.error() + ")") + ": using TCG software emulation";
            } else if (!hv.present()) {
                reason = "no vmx/svm CPU flag: " + devKvm + " is a software layer that cannot boot Linux guests; using TCG";
            } else {
                reason = "KVM self-test " + selfTest + "; using TCG";
            }
        }

        CgroupV2 cgroups = null;
        NodeInfo.Cgroup cgInfo;
        boolean cpuController = false;
        try {
            Path root = cgroupRoot != null ? cgroupRoot : CgroupV2.detectRoot()
                    .orElseThrow(() -> new IOException("no cgroup2 mount in /proc/self/mountinfo"));
            cgroups = new CgroupV2(root);
            List<String> available = List.copyOf(cgroups.availableControllers());
            List<String> missing = new ArrayList<>();
            for (String c : WANTED_CONTROLLERS) {
                if (!available.contains(c)) {
                    missing.add(c);
                }
            }
            cpuController = available.contains("cpu");
            cgInfo = new NodeInfo.Cgroup(root.toString(), cgroupParent, available, missing, null);
        } catch (IOException | RuntimeException e) {
            cgInfo = new NodeInfo.Cgroup(null, cgroupParent, List.of(), WANTED_CONTROLLERS, e.getMessage());
        }

        NodeInfo.Tun tun = new NodeInfo.Tun(Files.exists(Path.of("/dev/net/tun")));
        NodeInfo.Qemu qemu = qemuVersion(qemuBinary);
        NodeInfo info = new NodeInfo(nodeName, kvmInfo, hvInfo, accel.name(), reason, cgInfo, tun, qemu, 0);
        return new Result(info, accel, cpuHierarchy(cgroupRoot, cpuController ? cgroups : null));
    }

    /**
     * Where VMs get their CPU quota: the given or detected cgroup v2 root when it offers the cpu
     * controller, else (no root given) a v1 cpu hierarchy; null when neither works here.
     */
    private static CpuHierarchy cpuHierarchy(Path cgroupRoot, CgroupV2 v2WithCpu) {
        if (v2WithCpu != null) {
            return CpuHierarchy.v2(v2WithCpu.root());
        }
        if (cgroupRoot != null) {
            return null;
        }
        try {
            return CpuHierarchy.detect().orElse(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static NodeInfo.Qemu qemuVersion(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return new NodeInfo.Qemu(binary.toString(), null, "qemu --version failed: " + out.strip());
            }
            // "QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)"
            String first = out.lines().findFirst().orElse("");
            String v = first.replaceFirst("^QEMU emulator version\\s+", "").split("\\s+")[0];
            return new NodeInfo.Qemu(binary.toString(), v, null);
        } catch (IOException e) {
            return new NodeInfo.Qemu(binary.toString(), null, "not found: " + e.getMessage()
                    + " (install qemu-system-x86)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new NodeInfo.Qemu(binary.toString(), null, "interrupted");
        }
    }
}
