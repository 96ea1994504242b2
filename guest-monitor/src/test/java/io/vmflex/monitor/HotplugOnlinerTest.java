package io.vmflex.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HotplugOnlinerTest {
    @TempDir
    Path sys;

    @Test
    void shouldOnlineOfflineCpusAndMemoryBlocksWhenTheyAppear() {
        FakeTree.write(sys, "devices/system/cpu/cpu1/online", "1\n");
        FakeTree.write(sys, "devices/system/cpu/cpu2/online", "0\n");
        FakeTree.write(sys, "devices/system/cpu/cpufreq/online", "0\n");
        FakeTree.write(sys, "devices/system/memory/memory32/state", "online\n");
        FakeTree.write(sys, "devices/system/memory/memory33/state", "offline\n");
        FakeTree.write(sys, "devices/system/memory/memory34/state", "going-offline\n");
        HotplugOnliner onliner = new HotplugOnliner(sys);

        int done = onliner.onlineOnce();

        assertEquals(2, done);
        assertEquals("1\n", FakeTree.read(sys, "devices/system/cpu/cpu1/online"));
        assertEquals("1", FakeTree.read(sys, "devices/system/cpu/cpu2/online"));
        assertEquals("0\n", FakeTree.read(sys, "devices/system/cpu/cpufreq/online"));
        assertEquals("online_movable", FakeTree.read(sys, "devices/system/memory/memory33/state"));
        assertEquals("going-offline\n", FakeTree.read(sys, "devices/system/memory/memory34/state"));
    }

    @Test
    void shouldDoNothingWhenSysfsHasNoHotplugDirectories() {
        assertEquals(0, new HotplugOnliner(sys.resolve("absent")).onlineOnce());
    }

    @Test
    void shouldNotWriteAgainWhenEverythingIsOnline() {
        FakeTree.write(sys, "devices/system/cpu/cpu1/online", "0\n");
        HotplugOnliner onliner = new HotplugOnliner(sys);

        assertEquals(1, onliner.onlineOnce());
        assertEquals(0, onliner.onlineOnce());
    }
}
