package io.vmflex.sys.kvm;

import io.vmflex.sys.Fd;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.vmflex.sys.kvm.KvmIoctls.*;
import static io.vmflex.sys.kvm.KvmStructs.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Runs a tiny real-mode guest through KVM_RUN to prove that KVM executes guest code here, not just
 * that the device answers ioctls.
 *
 * <p>The guest, at guest physical 0x1000 with CS base 0, starts with AL = 0x40 and BL = 0x02 set
 * through KVM_SET_REGS and runs:
 * <pre>
 *  00 D8    add al, bl      ; AL = 0x42
 *  E6 10    out 0x10, al    ; exit KVM_EXIT_IO, port 0x10, one byte 0x42
 *  F4       hlt             ; exit KVM_EXIT_HLT (no in-kernel irqchip)
 * </pre>
 *
 * <p>The guest runs on its own platform daemon thread because a KVM_RUN that never returns cannot
 * be interrupted from Java. When the timeout expires, that thread, its VM, its descriptors and its
 * guest memory are abandoned (leaked) rather than freed under a running vCPU; this happens at most
 * once per probe and only on a broken KVM.
 *
 * <p>Thread-safe: each run uses its own descriptors and memory.
 */
final class RealModeSelfTest {

    private static final long GUEST_MEMORY_SIZE = 0x2000;
    private static final long CODE_ADDRESS = 0x1000;
    private static final byte[] CODE = {
        (byte) 0x00, (byte) 0xD8, // add al, bl
        (byte) 0xE6, (byte) 0x10, // out 0x10, al
        (byte) 0xF4,              // hlt
    };
    private static final long AL_START = 0x40;
    private static final long BL_START = 0x02;
    private static final int EXPECTED_PORT = 0x10;
    private static final int EXPECTED_VALUE = 0x42;
    /** Bit 1 of RFLAGS is reserved and must be set. */
    private static final long RFLAGS_RESERVED = 0x2;

    private RealModeSelfTest() {
    }

    /** Runs the guest on a fresh VM from {@code devKvm}; never blocks longer than {@code timeout}. */
    static SelfTest run(Path devKvm, Duration timeout) {
        return run(devKvm, timeout, CODE);
    }

    /** Runs other guest code (tests use it to prove the checks can fail); it must fit in 0x1000 bytes. */
    static SelfTest run(Path devKvm, Duration timeout, byte[] code) {
        if (code.length > GUEST_MEMORY_SIZE - CODE_ADDRESS) {
            throw new IllegalArgumentException("guest code too long: " + code.length);
        }
        CompletableFuture<SelfTest> outcome = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("kvm-self-test").start(() -> {
            try {
                outcome.complete(runGuest(devKvm, code));
            } catch (NativeException e) {
                outcome.complete(new SelfTest.Failed(e.getMessage()));
            } catch (RuntimeException | Error e) {
                outcome.complete(new SelfTest.Failed("self-test crashed: " + e));
            }
        });
        try {
            return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new SelfTest.Failed("KVM_RUN did not return within " + timeout.toMillis()
                    + " ms (test thread and VM abandoned)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SelfTest.Failed("interrupted while waiting for the self-test");
        } catch (ExecutionException e) {
            return new SelfTest.Failed("self-test crashed: " + e.getCause());
        }
    }

    private static SelfTest runGuest(Path devKvm, byte[] code) throws NativeException {
        // Arena first so that it closes last: memory is unmapped only after the VM is gone.
        try (Arena arena = Arena.ofConfined();
             Fd kvm = Libc.open(devKvm, Libc.O_RDWR, 0);
             Fd vm = Fd.adopt(Libc.ioctl(kvm, "KVM_CREATE_VM", KVM_CREATE_VM, 0))) {
            MemorySegment guestMemory = Libc.mmapAnonymous(GUEST_MEMORY_SIZE, arena);
            MemorySegment.copy(MemorySegment.ofArray(code), 0, guestMemory, CODE_ADDRESS, code.length);

            MemorySegment region = arena.allocate(USERSPACE_MEMORY_REGION);
            region.set(JAVA_INT, regionOffset("slot"), 0);
            region.set(JAVA_INT, regionOffset("flags"), 0);
            region.set(JAVA_LONG, regionOffset("guest_phys_addr"), 0L);
            region.set(JAVA_LONG, regionOffset("memory_size"), GUEST_MEMORY_SIZE);
            region.set(JAVA_LONG, regionOffset("userspace_addr"), guestMemory.address());
            // Safe: guestMemory stays mapped until the arena closes, after the VM's descriptor.
            Libc.ioctl(vm, "KVM_SET_USER_MEMORY_REGION", KVM_SET_USER_MEMORY_REGION, region);

            try (Fd vcpu = Fd.adopt(Libc.ioctl(vm, "KVM_CREATE_VCPU", KVM_CREATE_VCPU, 0))) {
                int runSize = Libc.ioctl(kvm, "KVM_GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE, 0);
                if (runSize < RUN.byteSize()) {
                    return new SelfTest.Failed("KVM_GET_VCPU_MMAP_SIZE returned " + runSize
                            + ", smaller than struct kvm_run's head (" + RUN.byteSize() + ")");
                }
                MemorySegment run = Libc.mmap(vcpu, runSize, Libc.PROT_READ | Libc.PROT_WRITE,
                        Libc.MAP_SHARED, 0, arena);

                MemorySegment sregs = arena.allocate(SREGS);
                Libc.ioctl(vcpu, "KVM_GET_SREGS", KVM_GET_SREGS, sregs);
                sregs.set(JAVA_LONG, SREGS_CS_BASE, 0L);
                sregs.set(JAVA_SHORT, SREGS_CS_SELECTOR, (short) 0);
                Libc.ioctl(vcpu, "KVM_SET_SREGS", KVM_SET_SREGS, sregs);

                MemorySegment regs = arena.allocate(REGS);
                regs.set(JAVA_LONG, regOffset("rip"), CODE_ADDRESS);
                regs.set(JAVA_LONG, regOffset("rflags"), RFLAGS_RESERVED);
                regs.set(JAVA_LONG, regOffset("rax"), AL_START);
                regs.set(JAVA_LONG, regOffset("rbx"), BL_START);
                Libc.ioctl(vcpu, "KVM_SET_REGS", KVM_SET_REGS, regs);

                Libc.ioctl(vcpu, "KVM_RUN", KVM_RUN, 0);
                SelfTest io = checkOut(run, runSize);
                if (io != null) {
                    return io;
                }
                Libc.ioctl(vcpu, "KVM_RUN", KVM_RUN, 0);
                int exit = run.get(JAVA_INT, RUN_EXIT_REASON);
                if (exit != KVM_EXIT_HLT) {
                    return new SelfTest.Failed("second exit was " + exitName(exit) + ", expected KVM_EXIT_HLT");
                }
                return new SelfTest.Passed();
            }
        }
    }

    /** Returns null if the first exit was the expected OUT, else the failure. */
    private static SelfTest checkOut(MemorySegment run, int runSize) {
        int exit = run.get(JAVA_INT, RUN_EXIT_REASON);
        if (exit != KVM_EXIT_IO) {
            return new SelfTest.Failed("first exit was " + exitName(exit) + ", expected KVM_EXIT_IO");
        }
        int direction = Byte.toUnsignedInt(run.get(JAVA_BYTE, RUN_IO_DIRECTION));
        int size = Byte.toUnsignedInt(run.get(JAVA_BYTE, RUN_IO_SIZE));
        int port = Short.toUnsignedInt(run.get(JAVA_SHORT, RUN_IO_PORT));
        int count = run.get(JAVA_INT, RUN_IO_COUNT);
        long dataOffset = run.get(JAVA_LONG, RUN_IO_DATA_OFFSET);
        if (direction != KVM_EXIT_IO_OUT || size != 1 || port != EXPECTED_PORT || count != 1) {
            return new SelfTest.Failed(String.format(
                    "unexpected I/O exit: direction %d size %d port 0x%x count %d", direction, size, port, count));
        }
        if (dataOffset < 0 || dataOffset >= runSize) {
            return new SelfTest.Failed("I/O data offset " + dataOffset + " outside the kvm_run mapping");
        }
        int value = Byte.toUnsignedInt(run.get(JAVA_BYTE, dataOffset));
        if (value != EXPECTED_VALUE) {
            return new SelfTest.Failed(String.format("guest wrote 0x%x to port 0x10, expected 0x42", value));
        }
        return null;
    }
}
