package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A QEMU that dies under a running daemon is restarted or not, as {@code restartPolicy} says. */
@Tag("qemu")
class RestartPolicyIT {
    private static final Duration STEP = Duration.ofSeconds(60);
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-policy", "always", "never");
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Requirements.requireImages(RestartPolicyIT.class);
        daemon = daemons.start("node-it");
    }

    private static int createAndKill(String name, String policy) throws Exception {
        TestVm.create(daemon, TestVm.yaml(name).replace("restartPolicy: Always", "restartPolicy: " + policy));
        int pid = Guest.awaitPhase(daemon.http(), name, "Running", STEP).path("status").path("pid").asInt();
        Guest.awaitReport(daemon.http(), name, STEP, g -> g.cpus() == 1);
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        return pid;
    }

    @Test
    void shouldRestartWithNewPidWhenPolicyAlways() throws Exception {
        int pid = createAndKill("always", "Always");
        Awaitility.await().atMost(STEP).until(() -> {
            JsonNode s = daemon.http().get("/v1/vms/always").json().path("status");
            return "Running".equals(s.path("phase").asText()) && s.path("pid").asInt() != pid;
        });
        JsonNode s = daemon.http().get("/v1/vms/always").json().path("status");
        assertNotEquals(pid, s.path("pid").asInt());
        assertEquals(1, s.path("restartCount").asInt());
        Guest.awaitReport(daemon.http(), "always", STEP, g -> g.cpus() == 1);
    }

    @Test
    void shouldStayFailedWhenPolicyNever() throws Exception {
        createAndKill("never", "Never");
        JsonNode vm = Guest.awaitPhase(daemon.http(), "never", "Failed", STEP);
        assertEquals(0, vm.path("status").path("restartCount").asInt());
        Thread.sleep(3000); // longer than the first restart backoff: nothing may come back
        JsonNode later = daemon.http().get("/v1/vms/never").json().path("status");
        assertEquals("Failed", later.path("phase").asText());
        assertEquals(true, later.path("pid").isMissingNode());
    }
}
