package io.vmflex.api.validation;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.CpuScalingMode;
import io.vmflex.api.vm.EnvVar;
import io.vmflex.api.vm.ExtraNetwork;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.ImagePullPolicy;
import io.vmflex.api.vm.Protocol;
import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.RootDisk;
import io.vmflex.api.vm.TlsProvisioning;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.api.vm.VirtualMachineSpec;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Fills the defaults that NeonVM's CRD schema (kubebuilder defaults) and controller fill, so a VM
 * stored by vmflex reads the same as one stored by Kubernetes. Defaults inside an optional object
 * (extraNetwork, tls, disks, rootDisk, env, ports) apply only when that object is present, as in
 * Kubernetes.
 *
 * <p>Filled: qmp 20183, qmpManual 20184, runnerPort 25183, terminationGracePeriodSeconds 5,
 * restartPolicy Always, enableAcceleration true, enableSSH true, enableNetworkMonitoring false,
 * cpuScalingMode QmpScaling (NeonVM's controller default), guest.memorySlotSize 1Gi,
 * rootDisk.imagePullPolicy IfNotPresent, env[].value "", ports[].protocol TCP,
 * disks[].readOnly/watch false, extraNetwork.enable false, extraNetwork.interface net1,
 * tls.mountPath /var/tls. {@code memoryProvider} is not filled: NeonVM dropped it.
 *
 * <p>Pure and idempotent; thread-safe.
 */
public final class VmDefaults {

    public static final int QMP_PORT = 20183;
    public static final int QMP_MANUAL_PORT = 20184;
    public static final int RUNNER_PORT = 25183;
    public static final long TERMINATION_GRACE_PERIOD_SECONDS = 5;
    public static final RestartPolicy RESTART_POLICY = RestartPolicy.Always;
    public static final CpuScalingMode CPU_SCALING_MODE = CpuScalingMode.QmpScaling;
    public static final ByteQuantity MEMORY_SLOT_SIZE = ByteQuantity.ofGibibytes(1);
    public static final ImagePullPolicy IMAGE_PULL_POLICY = ImagePullPolicy.IfNotPresent;
    public static final String EXTRA_NETWORK_INTERFACE = "net1";
    public static final String TLS_MOUNT_PATH = "/var/tls";

    private VmDefaults() {
    }

    /** The VM with every absent defaulted field filled; the VM itself if it has no spec. */
    public static VirtualMachine apply(VirtualMachine vm) {
        VirtualMachineSpec s = vm.spec();
        if (s == null) {
            return vm;
        }
        ExtraNetwork net = s.extraNetwork() == null ? null : new ExtraNetwork(
                or(s.extraNetwork().enable(), false),
                or(s.extraNetwork().interfaceName(), EXTRA_NETWORK_INTERFACE),
                s.extraNetwork().multusNetwork());
        TlsProvisioning tls = s.tls() == null ? null : new TlsProvisioning(
                s.tls().certificateIssuer(), s.tls().expireAfter(), s.tls().renewBefore(), s.tls().serverName(),
                or(s.tls().mountPath(), TLS_MOUNT_PATH));
        return vm.withSpec(new VirtualMachineSpec(
                or(s.qmp(), QMP_PORT),
                or(s.qmpManual(), QMP_MANUAL_PORT),
                or(s.runnerPort(), RUNNER_PORT),
                or(s.terminationGracePeriodSeconds(), TERMINATION_GRACE_PERIOD_SECONDS),
                s.nodeSelector(),
                s.affinity(),
                s.tolerations(),
                s.schedulerName(),
                s.serviceAccountName(),
                s.podResources(),
                or(s.restartPolicy(), RESTART_POLICY),
                s.imagePullSecrets(),
                s.targetArchitecture(),
                s.guest() == null ? null : guest(s.guest()),
                s.extraInitContainers(),
                s.initScript(),
                map(s.disks(), d -> d.withFlags(or(d.readOnly(), false), or(d.watch(), false))),
                net,
                s.serviceLinks(),
                or(s.enableAcceleration(), true),
                s.runnerImage(),
                or(s.enableSsh(), true),
                tls,
                s.overcommit(),
                s.targetRevision(),
                or(s.cpuScalingMode(), CPU_SCALING_MODE),
                or(s.enableNetworkMonitoring(), false)));
    }

    private static Guest guest(Guest g) {
        RootDisk root = g.rootDisk() == null ? null
                : g.rootDisk().withImagePullPolicy(or(g.rootDisk().imagePullPolicy(), IMAGE_PULL_POLICY));
        return g.withMemorySlotSize(or(g.memorySlotSize(), MEMORY_SLOT_SIZE))
                .withRootDisk(root)
                .withEnv(map(g.env(), e -> new EnvVar(e.name(), or(e.value(), ""))))
                .withPorts(map(g.ports(), p -> p.withProtocol(or(p.protocol(), Protocol.TCP))));
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    private static <T> List<T> map(List<T> list, UnaryOperator<T> f) {
        return list == null ? null : list.stream().map(f).toList();
    }
}
