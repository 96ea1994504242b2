package io.vmflex.sys.kvm;

/**
 * KVM ioctl request numbers and capability/exit constants from {@code <linux/kvm.h>}.
 *
 * <p>Request numbers follow the asm-generic {@code _IOC} encoding used on x86-64:
 * <pre>
 *  31  30 29            16 15         8 7          0
 *  +------+----------------+------------+------------+
 *  | dir  | argument size  | type 0xAE  |   number   |
 *  +------+----------------+------------+------------+
 *  dir: 0 none (_IO), 1 write to kernel (_IOW), 2 read from kernel (_IOR)
 * </pre>
 * Sizes come from the struct layouts in {@link KvmStructs}, so a layout and its request cannot
 * disagree. Checked against the C headers on Debian 12: KVM_SET_USER_MEMORY_REGION 0x4020AE46,
 * KVM_GET_REGS 0x8090AE81, KVM_SET_SREGS 0x4138AE84, KVM_RUN 0xAE80.
 *
 * <p>Constants only; thread-safe.
 */
final class KvmIoctls {

    private static final int KVMIO = 0xAE;
    private static final long DIR_NONE = 0;
    private static final long DIR_WRITE = 1;
    private static final long DIR_READ = 2;

    static final long KVM_GET_API_VERSION = io(0x00);
    static final long KVM_CREATE_VM = io(0x01);
    static final long KVM_CHECK_EXTENSION = io(0x03);
    static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    static final long KVM_CREATE_VCPU = io(0x41);
    static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, KvmStructs.USERSPACE_MEMORY_REGION.byteSize());
    static final long KVM_RUN = io(0x80);
    static final long KVM_GET_REGS = ior(0x81, KvmStructs.REGS.byteSize());
    static final long KVM_SET_REGS = iow(0x82, KvmStructs.REGS.byteSize());
    static final long KVM_GET_SREGS = ior(0x83, KvmStructs.SREGS.byteSize());
    static final long KVM_SET_SREGS = iow(0x84, KvmStructs.SREGS.byteSize());

    /** The only stable KVM API version; anything else is refused. */
    static final int KVM_API_VERSION = 12;

    static final int KVM_CAP_NR_VCPUS = 9;
    static final int KVM_CAP_NR_MEMSLOTS = 10;
    static final int KVM_CAP_MAX_VCPUS = 66;

    static final int KVM_EXIT_UNKNOWN = 0;
    static final int KVM_EXIT_EXCEPTION = 1;
    static final int KVM_EXIT_IO = 2;
    static final int KVM_EXIT_HLT = 5;
    static final int KVM_EXIT_MMIO = 6;
    static final int KVM_EXIT_SHUTDOWN = 8;
    static final int KVM_EXIT_FAIL_ENTRY = 9;
    static final int KVM_EXIT_INTR = 10;
    static final int KVM_EXIT_INTERNAL_ERROR = 17;
    static final int KVM_EXIT_IO_OUT = 1;

    private KvmIoctls() {
    }

    static String exitName(int reason) {
        return switch (reason) {
            case KVM_EXIT_UNKNOWN -> "KVM_EXIT_UNKNOWN";
            case KVM_EXIT_EXCEPTION -> "KVM_EXIT_EXCEPTION";
            case KVM_EXIT_IO -> "KVM_EXIT_IO";
            case KVM_EXIT_HLT -> "KVM_EXIT_HLT";
            case KVM_EXIT_MMIO -> "KVM_EXIT_MMIO";
            case KVM_EXIT_SHUTDOWN -> "KVM_EXIT_SHUTDOWN";
            case KVM_EXIT_FAIL_ENTRY -> "KVM_EXIT_FAIL_ENTRY";
            case KVM_EXIT_INTR -> "KVM_EXIT_INTR";
            case KVM_EXIT_INTERNAL_ERROR -> "KVM_EXIT_INTERNAL_ERROR";
            default -> "exit reason " + reason;
        };
    }

    private static long io(int number) {
        return ioc(DIR_NONE, number, 0);
    }

    private static long ior(int number, long size) {
        return ioc(DIR_READ, number, size);
    }

    private static long iow(int number, long size) {
        return ioc(DIR_WRITE, number, size);
    }

    private static long ioc(long direction, int number, long size) {
        return (direction << 30) | (size << 16) | ((long) KVMIO << 8) | number;
    }
}
