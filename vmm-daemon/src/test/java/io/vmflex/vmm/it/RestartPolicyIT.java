package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A QEMU that dies under a running daemon is restarted or not, as {@code restartPolicy} says. */
@Tag("qemu")
class RestartPolicyIT {
    private static final Duration STEP = Duration.ofSeconds(60);
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        var missing = Guest.missingImage();
        if (missing.isPresent()) {
            System.err.println("SKIPPED RestartPolicyIT: " + missing.get());
        }
        assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        daemon = new TestDaemon(Files.createTempDirectory(Path.of("/tmp"), "vmfx-policy"), "node-it", Guest.imageDir()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            for (String vm : new String[] {"always", "never"}) {
                daemon.http().send("DELETE", "/v1/vms/" + vm, null, null);
            }
            daemon.close();
        }
    }

    private static int createAndKill(String name, String policy) throws Exception {
        String yaml = Files.readString(Guest.example("test-vm.yaml"))
                .replace("name: test-vm", "name: " + name)
                .replace("restartPolicy: Always", "restartPolicy: " + policy);
        UnixHttp.Response r = daemon.http().send("POST", "/v1/vms", "application/yaml", yaml);
        assertEquals(201, r.status(), r.body());
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
