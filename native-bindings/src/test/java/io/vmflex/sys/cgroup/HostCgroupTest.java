package io.vmflex.sys.cgroup;

import io.vmflex.sys.Libc;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Against the host's real cgroup2 mount; skipped (with a printed reason) when not root or not mounted. */
class HostCgroupTest {

    @Test
    void shouldMoveChildProcessWhenCgroupIsCreatedOnHost() throws Exception {
        Optional<Path> mount = CgroupV2.detectRoot();
        String skip = Libc.getuid() != 0 ? "not root"
                : mount.isEmpty() ? "no cgroup2 mount"
                : !Files.isWritable(mount.get().resolve("cgroup.procs")) ? "cgroup2 root not writable" : null;
        if (skip != null) {
            System.out.println("skipping host cgroup test: " + skip);
        }
        assumeTrue(skip == null, skip);

        CgroupV2 hierarchy = new CgroupV2(mount.get());
        Cgroup test = hierarchy.create("vmflex-test-" + Libc.getpid() + "-" + System.nanoTime());
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            int pid = (int) sleep.pid();
            test.movePid(pid);
            assertEquals(java.util.List.of(pid), test.pids());
            String relative = "/" + hierarchy.root().relativize(test.path());
            assertTrue(Files.readString(Path.of("/proc", Integer.toString(pid), "cgroup")).contains("0::" + relative + "\n"));

            if (!test.controllers().contains("memory")) {
                CgroupControllerMissingException e =
                        assertThrows(CgroupControllerMissingException.class, () -> test.setMemoryMax(1 << 30));
                System.out.println("as expected on this host: " + e.getMessage());
            }

            IOException busy = assertThrows(IOException.class, test::remove);
            assertTrue(busy.getMessage().contains(test.path().toString()), busy.getMessage());
        } finally {
            sleep.destroyForcibly();
            assertTrue(sleep.waitFor(5, TimeUnit.SECONDS));
            removeWhenEmpty(test);
        }
        assertFalse(test.exists());
    }

    /** The kernel frees a cgroup's last process asynchronously after reaping; retry briefly. */
    private static void removeWhenEmpty(Cgroup cgroup) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                cgroup.remove();
                return;
            } catch (IOException e) {
                if (attempt >= 50) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
