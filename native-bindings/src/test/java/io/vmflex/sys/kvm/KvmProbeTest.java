package io.vmflex.sys.kvm;

import io.vmflex.sys.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class KvmProbeTest {

    @Test
    void shouldRunSelfTestGuestWhenDevKvmIsPresent() {
        boolean usable = Files.exists(KvmProbe.DEV_KVM) && Files.isReadable(KvmProbe.DEV_KVM);
        if (!usable) {
            System.out.println("skipping: /dev/kvm missing or not readable by uid " + Libc.getuid());
        }
        assumeTrue(usable, "/dev/kvm missing or not readable");

        long start = System.nanoTime();
        KvmReport report = KvmProbe.probe(KvmProbe.DEV_KVM);
        System.out.printf("KVM probe in %d ms: %s%n", (System.nanoTime() - start) / 1_000_000, report);

        assertTrue(report.present());
        assertEquals(12, report.apiVersion());
        assertNull(report.error());
        assertTrue(report.maxVcpus() > 0);
        assertTrue(report.memorySlots() > 0);
        switch (report.selfTest()) {
            case SelfTest.Passed passed -> assertTrue(report.usable());
            case SelfTest.Failed failed -> assertFalse(failed.reason().isBlank(), "a failure must say why");
        }
    }

    @Test
    void shouldFailNamingTheValueWhenGuestWritesSomethingElse() {
        assumeTrue(Files.isReadable(KvmProbe.DEV_KVM), "/dev/kvm missing or not readable");
        byte[] wrongValue = {(byte) 0xB0, 0x41, (byte) 0xE6, 0x10, (byte) 0xF4}; // mov al,0x41; out 0x10,al; hlt
        SelfTest outcome = RealModeSelfTest.run(KvmProbe.DEV_KVM, KvmProbe.DEFAULT_SELF_TEST_TIMEOUT, wrongValue);
        assertEquals(new SelfTest.Failed("guest wrote 0x41 to port 0x10, expected 0x42"), outcome);
    }

    @Test
    void shouldFailNamingTheExitWhenGuestHaltsFirst() {
        assumeTrue(Files.isReadable(KvmProbe.DEV_KVM), "/dev/kvm missing or not readable");
        SelfTest outcome = RealModeSelfTest.run(KvmProbe.DEV_KVM, KvmProbe.DEFAULT_SELF_TEST_TIMEOUT,
                new byte[] {(byte) 0xF4});
        assertEquals(new SelfTest.Failed("first exit was KVM_EXIT_HLT, expected KVM_EXIT_IO"), outcome);
    }

    @Test
    void shouldReportAbsentWhenDeviceIsMissing(@TempDir Path dir) {
        KvmReport report = KvmProbe.probe(dir.resolve("kvm"));
        assertFalse(report.present());
        assertFalse(report.usable());
        assertEquals(-1, report.apiVersion());
        assertInstanceOf(SelfTest.Failed.class, report.selfTest());
        assertTrue(report.error().contains("does not exist"), report.error());
    }

    @Test
    void shouldFailWithErrnoWhenDeviceIsNotKvm(@TempDir Path dir) throws Exception {
        Path notKvm = Files.writeString(dir.resolve("kvm"), "plain file");
        KvmReport report = KvmProbe.probe(notKvm);
        assertTrue(report.present());
        assertFalse(report.usable());
        assertTrue(report.error().contains("ioctl(KVM_GET_API_VERSION)"), report.error());
        assertTrue(report.error().contains("ENOTTY"), report.error());
    }

    @Test
    void shouldMatchCHeaderWhenComputingIoctlNumbers() {
        assertEquals(0xAE00L, KvmIoctls.KVM_GET_API_VERSION);
        assertEquals(0x4020AE46L, KvmIoctls.KVM_SET_USER_MEMORY_REGION);
        assertEquals(0x8090AE81L, KvmIoctls.KVM_GET_REGS);
        assertEquals(0x4090AE82L, KvmIoctls.KVM_SET_REGS);
        assertEquals(0x8138AE83L, KvmIoctls.KVM_GET_SREGS);
        assertEquals(0x4138AE84L, KvmIoctls.KVM_SET_SREGS);
        assertEquals(0xAE80L, KvmIoctls.KVM_RUN);
        assertEquals(32, KvmStructs.RUN_IO_DIRECTION);
        assertEquals(40, KvmStructs.RUN_IO_DATA_OFFSET);
    }
}
