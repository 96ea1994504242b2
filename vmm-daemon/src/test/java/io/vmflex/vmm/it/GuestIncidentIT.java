package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A guest that runs out of memory: the PostgreSQL image with 512 MiB and no autoscaling runs
 * allocate-loop up to 2000 MiB in its workload cgroup, the guest's kernel kills a process, and vmmd
 * reads that off the console and says so as a warning event on the VM.
 */
@Tag("qemu")
class GuestIncidentIT {
    private static final String VM = "oom-vm";
    private static final Daemons daemons = Daemons.inTempDir("vmfx-oom", VM);
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Requirements.skipIf(GuestIncidentIT.class, Files.isRegularFile(Guest.imageDir().resolve("postgres/manifest.json"))
                ? Optional.empty() : Optional.of("postgres image not built in " + Guest.imageDir()));
        daemon = daemons.start(new TestDaemon(daemons.root(), "node-oom", Guest.imageDir()));
    }

    @AfterAll
    static void stop() throws Exception {
        daemons.close();
    }

    @Test
    void shouldReportTheGuestsOomKillAsAWarningEvent() throws Exception {
        String vm = """
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"%s"},
                 "spec":{"restartPolicy":"Never","guest":{"cpus":{"min":1,"use":1,"max":1},"memorySlotSize":"256Mi",
                   "memorySlots":{"min":2,"use":2,"max":2},"rootDisk":{"image":"postgres"},
                   "command":["/usr/local/bin/allocate-loop","64","2000","workload"]}}}""".formatted(VM);
        UnixHttp.Response created = daemon.http().send("POST", "/v1/vms", "application/json", vm);
        assertEquals(201, created.status(), created.body());

        JsonNode[] found = new JsonNode[1];
        Awaitility.await("a GuestOOMKilled event").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    for (JsonNode e : new ObjectMapper().readTree(daemon.http().get("/v1/events").body()).path("items")) {
                        if (e.path("reason").asText().equals("GuestOOMKilled") && VM.equals(e.path("vm").asText())) {
                            found[0] = e;
                            return true;
                        }
                    }
                    return false;
                });
        System.err.println("GuestIncidentIT: " + found[0].path("message").asText());
        assertEquals("Warning", found[0].path("type").asText());
        assertTrue(found[0].path("message").asText().contains("Killed process"), found[0].toString());

        JsonNode[] condition = new JsonNode[1];
        Awaitility.await("a GuestOOMKilled condition in status").atMost(Duration.ofSeconds(10)).until(() -> {
            for (JsonNode c : daemon.http().get("/v1/vms/" + VM).json().path("status").path("conditions")) {
                if (c.path("type").asText().equals("GuestOOMKilled")) {
                    condition[0] = c;
                    return true;
                }
            }
            return false;
        });
        assertEquals("True", condition[0].path("status").asText(), condition[0].toString());
        assertTrue(condition[0].path("message").asText().contains("OOM kill(s) since start"), condition[0].toString());
    }
}
