package io.vmflex.monitor;

import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.VersionRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SysfsScaling in the guest against a fake sysfs. A fake kernel does not recompute
 * {@code cpu/online}, so the tests write what the kernel would report and check the files written.
 */
class SysfsCpusTest {
    @TempDir
    Path sys;

    private void cpus(String... online) {
        for (int i = 1; i <= online.length; i++) {
            FakeTree.write(sys, "devices/system/cpu/cpu" + i + "/online", online[i - 1] + "\n");
        }
        FakeTree.write(sys, "devices/system/cpu/cpu0/topology/x", "");
    }

    private String online(int cpu) {
        return FakeTree.read(sys, "devices/system/cpu/cpu" + cpu + "/online").trim();
    }

    @Test
    void shouldKeepTheLowestNumberedCpusOnlineAndOfflineTheRest() throws IOException {
        cpus("1", "1", "1");
        FakeTree.write(sys, "devices/system/cpu/online", "0-1\n");

        assertEquals(2, new SysfsCpus(sys).setOnline(2));

        assertEquals(List.of("1", "0", "0"), List.of(online(1), online(2), online(3)));
    }

    @Test
    void shouldOnlineCpusAgainWhenAskedForMore() throws IOException {
        cpus("0", "0", "0");
        FakeTree.write(sys, "devices/system/cpu/online", "0-3\n");

        assertEquals(4, new SysfsCpus(sys).setOnline(9));

        assertEquals(List.of("1", "1", "1"), List.of(online(1), online(2), online(3)));
    }

    @Test
    void shouldCountTheKernelsRangeList() {
        assertEquals(1, SysfsCpus.countRanges("0"));
        assertEquals(5, SysfsCpus.countRanges("0-1,3,5-6"));
        assertEquals(0, SysfsCpus.countRanges(""));
    }

    @Test
    void shouldRefuseACountOutsideOneToMax() {
        assertThrows(IllegalArgumentException.class, () -> new SysfsCpus(sys).setOnline(0));
        assertThrows(IllegalArgumentException.class, () -> new SysfsCpus(sys).setOnline(SysfsCpus.MAX_CPUS + 1));
    }

    @Test
    void shouldKnowTheModeFromTheKernelCommandLine(@TempDir Path proc) {
        FakeTree.write(proc, "cmdline", "console=ttyS0 vmflex.cpu_scaling=sysfs quiet\n");
        assertTrue(SysfsCpus.enabled(proc));
        FakeTree.write(proc, "cmdline", "console=ttyS0 xvmflex.cpu_scaling=sysfs\n");
        assertFalse(SysfsCpus.enabled(proc));
        assertFalse(SysfsCpus.enabled(proc.resolve("absent")));
    }

    @Test
    void shouldLeaveOfflineCpusAloneUnderSysfsScaling() {
        cpus("0");
        assertEquals(0, new HotplugOnliner(sys, false).onlineOnce());
        assertEquals("0", online(1));
    }

    private static byte[] payload(Object message) {
        byte[] frame = GuestFrames.encode(message);
        return Arrays.copyOfRange(frame, 4, frame.length);
    }

    @Test
    void shouldAnswerSetCpusOnlineWithTheCountOnlineOrRefuseIt() {
        cpus("1", "1");
        FakeTree.write(sys, "devices/system/cpu/online", "0\n");
        Session session = new Session(() -> null, new SysfsCpus(sys));
        session.onPayload(payload(VersionRange.V1));

        assertEquals(List.of(new GuestMessage.CpusOnline(2, 1)),
                session.onPayload(payload(new GuestMessage.SetCpusOnline(2, 1))).replies());
        assertEquals(List.of("0", "0"), List.of(online(1), online(2)));
        assertInstanceOf(GuestMessage.InvalidMessage.class,
                session.onPayload(payload(new GuestMessage.SetCpusOnline(4, 0))).replies().getFirst());

        Session qmpGuest = new Session(() -> null);
        qmpGuest.onPayload(payload(VersionRange.V1));
        GuestMessage refused = (GuestMessage) qmpGuest.onPayload(payload(new GuestMessage.SetCpusOnline(6, 1))).replies().getFirst();
        assertInstanceOf(GuestMessage.InvalidMessage.class, refused);
        assertEquals(6, refused.id());
    }
}
