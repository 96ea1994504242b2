package io.vmflex.sys.kvm;

import io.vmflex.sys.Fd;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.vmflex.sys.kvm.KvmIoctls.*;

/**
 * Finds out whether KVM is usable on this node: opens the device, checks the API version and
 * limits, and runs a real-mode self-test guest (see {@link RealModeSelfTest}).
 *
 * <p>Never throws for a broken or missing KVM; the report says what failed. Never blocks longer
 * than the self-test timeout plus a few ioctls.
 *
 * <p>Thread-safe: stateless.
 */
public final class KvmProbe {

    /** The usual device node. */
    public static final Path DEV_KVM = Path.of("/dev/kvm");
    /** Self-test timeout of {@link #probe(Path)}. */
    public static final Duration DEFAULT_SELF_TEST_TIMEOUT = Duration.ofSeconds(3);

    /** KVM's documented vCPU limit when neither capability answers. */
    private static final int DEFAULT_MAX_VCPUS = 4;

    private KvmProbe() {
    }

    /** Probes {@code devKvm} with {@link #DEFAULT_SELF_TEST_TIMEOUT}. */
    public static KvmReport probe(Path devKvm) {
        return probe(devKvm, DEFAULT_SELF_TEST_TIMEOUT);
    }

    /**
     * Probes {@code devKvm}.
     *
     * @param selfTestTimeout how long the guest may take; on expiry the self-test fails and its
     *                        thread is abandoned
     */
    public static KvmReport probe(Path devKvm, Duration selfTestTimeout) {
        if (!Files.exists(devKvm)) {
            return KvmReport.failed(false, -1, devKvm + " does not exist");
        }
        int apiVersion = -1;
        try (Fd kvm = Libc.open(devKvm, Libc.O_RDWR, 0)) {
            apiVersion = Libc.ioctl(kvm, "KVM_GET_API_VERSION", KVM_GET_API_VERSION, 0);
            if (apiVersion != KVM_API_VERSION) {
                return KvmReport.failed(true, apiVersion,
                        "KVM API version " + apiVersion + " is not the supported " + KVM_API_VERSION);
            }
            int maxVcpus = checkExtension(kvm, "KVM_CAP_MAX_VCPUS", KVM_CAP_MAX_VCPUS);
            if (maxVcpus <= 0) {
                maxVcpus = checkExtension(kvm, "KVM_CAP_NR_VCPUS", KVM_CAP_NR_VCPUS);
            }
            if (maxVcpus <= 0) {
                maxVcpus = DEFAULT_MAX_VCPUS;
            }
            int memorySlots = checkExtension(kvm, "KVM_CAP_NR_MEMSLOTS", KVM_CAP_NR_MEMSLOTS);
            SelfTest selfTest = RealModeSelfTest.run(devKvm, selfTestTimeout);
            return new KvmReport(true, apiVersion, maxVcpus, memorySlots, selfTest, null);
        } catch (NativeException e) {
            return KvmReport.failed(true, apiVersion, e.getMessage());
        }
    }

    private static int checkExtension(Fd kvm, String name, int capability) throws NativeException {
        return Libc.ioctl(kvm, "KVM_CHECK_EXTENSION(" + name + ")", KVM_CHECK_EXTENSION, capability);
    }
}
