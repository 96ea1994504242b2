package io.vmflex.sys.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The x86-64 KVM structs the self-test uses, as {@link MemoryLayout}s (all little endian, natural
 * alignment, sizes checked against {@code sizeof} in C on Debian 12).
 *
 * <p>{@code struct kvm_userspace_memory_region}, 32 bytes:
 * <pre>
 *  0      4       8                 16             24                32
 *  +------+-------+-----------------+--------------+-----------------+
 *  | slot | flags | guest_phys_addr | memory_size  | userspace_addr  |
 *  | u32  | u32   | u64             | u64          | u64             |
 *  +------+-------+-----------------+--------------+-----------------+
 * </pre>
 *
 * <p>{@code struct kvm_regs}, 144 bytes: eighteen u64 in the order rax, rbx, rcx, rdx, rsi, rdi,
 * rsp, rbp, r8 to r15, rip, rflags.
 *
 * <p>{@code struct kvm_segment}, 24 bytes:
 * <pre>
 *   0 u64 base        8 u32 limit      12 u16 selector
 *  14 u8 type        15 u8 present     16 u8 dpl        17 u8 db
 *  18 u8 s           19 u8 l           20 u8 g          21 u8 avl
 *  22 u8 unusable    23 u8 padding
 * </pre>
 * {@code struct kvm_dtable}, 16 bytes: u64 base, u16 limit, u16 padding[3].
 *
 * <p>{@code struct kvm_sregs}, 312 bytes:
 * <pre>
 *    0 cs, ds, es, fs, gs, ss, tr, ldt   8 x kvm_segment (24)
 *  192 gdt, idt                          2 x kvm_dtable (16)
 *  224 cr0, cr2, cr3, cr4, cr8, efer, apic_base   7 x u64
 *  280 interrupt_bitmap                  4 x u64 ((256 + 63) / 64)
 * </pre>
 *
 * <p>{@code struct kvm_run} (the vCPU's shared page; only the head and the {@code io} member of
 * the exit union are modelled, the mapping itself is {@code KVM_GET_VCPU_MMAP_SIZE} bytes):
 * <pre>
 *   0 u8  request_interrupt_window     1 u8 immediate_exit     2 u8 padding1[6]
 *   8 u32 exit_reason                 12 u8 ready_for_interrupt_injection
 *  13 u8  if_flag                     14 u16 flags
 *  16 u64 cr8                         24 u64 apic_base
 *  32 union, for KVM_EXIT_IO:
 *     32 u8 direction (0 in, 1 out)   33 u8 size (bytes per item)
 *     34 u16 port                     36 u32 count
 *     40 u64 data_offset (from the start of kvm_run to the data)
 * </pre>
 *
 * <p>Constants only; thread-safe.
 */
final class KvmStructs {

    static final StructLayout USERSPACE_MEMORY_REGION = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr"));

    static final StructLayout REGS = MemoryLayout.structLayout(
            JAVA_LONG.withName("rax"), JAVA_LONG.withName("rbx"), JAVA_LONG.withName("rcx"),
            JAVA_LONG.withName("rdx"), JAVA_LONG.withName("rsi"), JAVA_LONG.withName("rdi"),
            JAVA_LONG.withName("rsp"), JAVA_LONG.withName("rbp"),
            JAVA_LONG.withName("r8"), JAVA_LONG.withName("r9"), JAVA_LONG.withName("r10"),
            JAVA_LONG.withName("r11"), JAVA_LONG.withName("r12"), JAVA_LONG.withName("r13"),
            JAVA_LONG.withName("r14"), JAVA_LONG.withName("r15"),
            JAVA_LONG.withName("rip"), JAVA_LONG.withName("rflags"));

    static final StructLayout SEGMENT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_INT.withName("limit"),
            JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"),
            JAVA_BYTE.withName("present"),
            JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"),
            JAVA_BYTE.withName("s"),
            JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"),
            JAVA_BYTE.withName("avl"),
            JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding"));

    static final StructLayout DTABLE = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_SHORT.withName("limit"),
            MemoryLayout.sequenceLayout(3, JAVA_SHORT).withName("padding"));

    static final StructLayout SREGS = MemoryLayout.structLayout(
            SEGMENT.withName("cs"), SEGMENT.withName("ds"), SEGMENT.withName("es"),
            SEGMENT.withName("fs"), SEGMENT.withName("gs"), SEGMENT.withName("ss"),
            SEGMENT.withName("tr"), SEGMENT.withName("ldt"),
            DTABLE.withName("gdt"), DTABLE.withName("idt"),
            JAVA_LONG.withName("cr0"), JAVA_LONG.withName("cr2"), JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"), JAVA_LONG.withName("cr8"), JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap"));

    static final StructLayout RUN_IO = MemoryLayout.structLayout(
            JAVA_BYTE.withName("direction"),
            JAVA_BYTE.withName("size"),
            JAVA_SHORT.withName("port"),
            JAVA_INT.withName("count"),
            JAVA_LONG.withName("data_offset"));

    static final StructLayout RUN = MemoryLayout.structLayout(
            JAVA_BYTE.withName("request_interrupt_window"),
            JAVA_BYTE.withName("immediate_exit"),
            MemoryLayout.paddingLayout(6),
            JAVA_INT.withName("exit_reason"),
            JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"),
            JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("apic_base"),
            RUN_IO.withName("io"));

    static final long RUN_EXIT_REASON = RUN.byteOffset(groupElement("exit_reason"));
    static final long RUN_IO_DIRECTION = RUN.byteOffset(groupElement("io"), groupElement("direction"));
    static final long RUN_IO_SIZE = RUN.byteOffset(groupElement("io"), groupElement("size"));
    static final long RUN_IO_PORT = RUN.byteOffset(groupElement("io"), groupElement("port"));
    static final long RUN_IO_COUNT = RUN.byteOffset(groupElement("io"), groupElement("count"));
    static final long RUN_IO_DATA_OFFSET = RUN.byteOffset(groupElement("io"), groupElement("data_offset"));

    static final long SREGS_CS_BASE = SREGS.byteOffset(groupElement("cs"), groupElement("base"));
    static final long SREGS_CS_SELECTOR = SREGS.byteOffset(groupElement("cs"), groupElement("selector"));

    private KvmStructs() {
    }

    static long regOffset(String name) {
        return REGS.byteOffset(groupElement(name));
    }

    static long regionOffset(String name) {
        return USERSPACE_MEMORY_REGION.byteOffset(groupElement(name));
    }
}
