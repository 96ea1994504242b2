package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon is not the VM: {@code kill -9} or SIGTERM of vmmd leaves QEMU running, and the next
 * vmmd re-adopts it (same pid) and can still resize it; a QEMU that died meanwhile is restarted
 * per its restart policy.
 */
@Tag("qemu")
class DaemonRestartIT {
    private static final String VM = TestVm.NAME;
    private static final Duration STEP = Duration.ofSeconds(60);
    @AutoClose
    private final Daemons daemons = Daemons.inTempDir("vmfx-restart", VM);
    private TestDaemon daemon;

    @BeforeEach
    void boot() throws Exception {
        Requirements.requireImages(DaemonRestartIT.class);
        daemon = daemons.start("node-it");
        TestVm.create(daemon);
        Guest.awaitPhase(daemon.http(), VM, "Running", STEP);
        Guest.awaitReport(daemon.http(), VM, STEP, r -> r.cpus() == 1);
    }

    private int qemuPid() throws Exception {
        return daemon.http().get("/v1/vms/" + VM).json().path("status").path("pid").asInt();
    }

    @Test
    void shouldReadoptSameQemuWhenDaemonKilledWithSigkill() throws Exception {
        int pid = qemuPid();
        assertTrue(pid > 0);

        daemon.kill9();
        assertTrue(Guest.processRuns(pid), "QEMU died with the daemon");

        daemon.start();
        JsonNode vm = Guest.awaitPhase(daemon.http(), VM, "Running", STEP);
        assertEquals(pid, vm.path("status").path("pid").asInt(), "QEMU was restarted instead of re-adopted");
        assertEquals(0, vm.path("status").path("restartCount").asInt());

        UnixHttp.Response r = daemon.http().send("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                Guest.patchUse("/spec/guest/cpus/use", 2));
        assertEquals(200, r.status(), r.body());
        Guest.awaitReport(daemon.http(), VM, STEP, g -> g.cpus() == 2);
        assertEquals(pid, qemuPid());
    }

    @Test
    void shouldLeaveVmRunningWhenDaemonStoppedWithSigterm() throws Exception {
        int pid = qemuPid();
        daemon.terminate();
        assertTrue(Guest.processRuns(pid), "SIGTERM of vmmd stopped QEMU");
        daemon.start();
        assertEquals(pid, Guest.awaitPhase(daemon.http(), VM, "Running", STEP).path("status").path("pid").asInt());
    }

    @Test
    void shouldRestartVmPerPolicyWhenQemuDiedWhileDaemonWasDown() throws Exception {
        int pid = qemuPid();
        daemon.kill9();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        org.awaitility.Awaitility.await().atMost(STEP).until(() -> !Guest.processRuns(pid));

        daemon.start();
        JsonNode vm = Guest.awaitPhase(daemon.http(), VM, "Running", STEP);
        int newPid = vm.path("status").path("pid").asInt();
        assertNotEquals(pid, newPid);
        assertEquals(1, vm.path("status").path("restartCount").asInt());
        Guest.awaitReport(daemon.http(), VM, STEP, g -> g.cpus() == 1);
    }

    @Test
    void shouldStopQemuWhenVmDeleted() throws Exception {
        int pid = qemuPid();
        UnixHttp.Response r = daemon.http().send("DELETE", "/v1/vms/" + VM, null, null);
        assertEquals(200, r.status(), r.body());
        assertFalse(Guest.processRuns(pid), "QEMU still running after delete");
        assertEquals(404, daemon.http().get("/v1/vms/" + VM).status());
        assertFalse(Files.exists(daemon.stateDir().resolve("vms").resolve(VM)), "state left behind");
    }
}
