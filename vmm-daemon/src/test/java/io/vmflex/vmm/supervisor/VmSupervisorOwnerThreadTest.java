package io.vmflex.vmm.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervisor's state has one owner: callbacks on other threads hand their work to it. */
class VmSupervisorOwnerThreadTest {
    @TempDir
    Path dir;

    private SupervisedVm vm;

    @BeforeEach
    void start() throws Exception {
        vm = new SupervisedVm(dir);
    }

    @AfterEach
    void stop() {
        vm.close();
    }

    @Test
    void shouldReconnectOnTheOwnerThreadWhenQmpDropsOnAnIoThread() {
        assertEquals(1, vm.qemu.connects(), "recovery connects QMP once");

        // This test's thread stands in for the QMP I/O thread: the callback must only hand over.
        vm.qemu.session().drop();

        await().atMost(Duration.ofSeconds(10)).until(() -> vm.qemu.connects() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> vm.qemu.count("query-hotpluggable-cpus") >= 2);
        for (FakeQemu.Command c : vm.qemu.commands()) {
            assertTrue(c.thread().equals("vm-" + SupervisedVm.NAME), c + " was sent off the supervisor's thread");
        }
    }
}
