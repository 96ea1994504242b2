package io.vmflex.vmm.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.vmm.it.UnixHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concurrent changes of one VM through the admin API (real HTTP server, {@link VmService},
 * supervisors on a {@link FakeQemu}): none is lost, a stale {@code resourceVersion} is refused and
 * changes nothing, and no two versions share a number, also across a daemon restart.
 */
class ConcurrentUpdatesTest {
    private static final String VM = "race";
    private static final String MERGE = "application/merge-patch+json";

    @TempDir
    Path dir;

    private final List<InProcessDaemon> daemons = new ArrayList<>();

    @AfterEach
    void stopDaemons() {
        daemons.forEach(InProcessDaemon::close);
    }

    private UnixHttp start() throws IOException {
        InProcessDaemon d = InProcessDaemon.start(dir);
        daemons.add(d);
        return d.http();
    }

    private static void create(UnixHttp http) throws IOException {
        String yaml = """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                spec:
                  restartPolicy: Always
                  guest:
                    cpus: {min: 1, use: 1, max: 4}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 2, use: 2, max: 8}
                    rootDisk: {image: test}
                """.formatted(VM);
        UnixHttp.Response r = http.send("POST", "/v1/vms", "application/yaml", yaml);
        assertEquals(201, r.status(), r.body());
    }

    private static String cpuPatch(int use) {
        return "{\"spec\":{\"guest\":{\"cpus\":{\"use\":" + use + "}}}}";
    }

    private static String slotsPatch(int use) {
        return "{\"spec\":{\"guest\":{\"memorySlots\":{\"use\":" + use + "}}}}";
    }

    private static JsonNode get(UnixHttp http) throws IOException {
        UnixHttp.Response r = http.get("/v1/vms/" + VM);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static int cpusUse(JsonNode vm) {
        return vm.path("spec").path("guest").path("cpus").path("use").asInt();
    }

    private static int slotsUse(JsonNode vm) {
        return vm.path("spec").path("guest").path("memorySlots").path("use").asInt();
    }

    private static String version(JsonNode vm) {
        return vm.path("metadata").path("resourceVersion").asText();
    }

    private static UnixHttp.Response patch(UnixHttp http, String body) throws IOException {
        return http.send("PATCH", "/v1/vms/" + VM, MERGE, body);
    }

    @Test
    void shouldLoseNoneOfAThousandRoundsOfConcurrentPatchesOfDifferentFields() throws Exception {
        UnixHttp http = start();
        create(http);
        long firstVersion = Long.parseLong(version(get(http)));
        int rounds = 1000;
        List<String> lost = new ArrayList<>();
        Set<String> versions = new HashSet<>();
        try (ExecutorService pair = Executors.newFixedThreadPool(2)) {
            for (int round = 1; round <= rounds; round++) {
                // Both fields change every round: cpus.use cycles 1..4, memorySlots.use 2..8.
                int cpus = 1 + round % 4;
                int slots = 2 + round % 7;
                CountDownLatch go = new CountDownLatch(1);
                Future<UnixHttp.Response> a = pair.submit(() -> {
                    go.await();
                    return patch(http, cpuPatch(cpus));
                });
                Future<UnixHttp.Response> b = pair.submit(() -> {
                    go.await();
                    return patch(http, slotsPatch(slots));
                });
                go.countDown();
                for (UnixHttp.Response r : List.of(a.get(), b.get())) {
                    assertEquals(200, r.status(), "round " + round + ": " + r.body());
                    versions.add(version(r.json()));
                }
                JsonNode now = get(http);
                if (cpusUse(now) != cpus || slotsUse(now) != slots) {
                    lost.add("round " + round + ": wanted [" + cpus + "," + slots + "], got ["
                            + cpusUse(now) + "," + slotsUse(now) + "]");
                }
            }
        }
        assertEquals(0, lost.size(), lost.size() + " of " + rounds + " rounds lost a change, e.g. "
                + lost.subList(0, Math.min(5, lost.size())));
        assertEquals(2 * rounds, versions.size(), "two answers carried the same resourceVersion");
        assertEquals(firstVersion + 2L * rounds, Long.parseLong(version(get(http))),
                "every stored change counts the version up by one");
    }

    @Test
    void shouldAnswer409AndChangeNothingWhenTheResourceVersionIsStale() throws Exception {
        UnixHttp http = start();
        create(http);
        String stale = version(get(http));
        assertEquals(200, patch(http, cpuPatch(2)).status());
        JsonNode before = get(http);
        String vmJsonBefore = Files.readString(dir.resolve("state/vms/" + VM + "/vm.json"));

        UnixHttp.Response refused = patch(http, "{\"metadata\":{\"resourceVersion\":\"" + stale + "\"},"
                + "\"spec\":{\"guest\":{\"memorySlots\":{\"use\":5}}}}");
        assertConflict(refused, "resourceVersion");
        JsonNode after = get(http);
        assertEquals(before.path("spec"), after.path("spec"));
        assertEquals(version(before), version(after));
        assertEquals(vmJsonBefore, Files.readString(dir.resolve("state/vms/" + VM + "/vm.json")));

        // A whole replacement with the stale version is refused the same way; with the current one it lands.
        String replaced = before.toString().replace("\"use\":2,\"max\":8", "\"use\":6,\"max\":8");
        assertTrue(replaced.contains("\"use\":6"), replaced);
        String staleReplace = replaced.replace("\"resourceVersion\":\"" + version(before) + "\"",
                "\"resourceVersion\":\"" + stale + "\"");
        assertConflict(http.send("PUT", "/v1/vms/" + VM, "application/json", staleReplace), "resourceVersion");
        assertEquals(2, slotsUse(get(http)));
        UnixHttp.Response put = http.send("PUT", "/v1/vms/" + VM, "application/json", replaced);
        assertEquals(200, put.status(), put.body());
        assertEquals(6, slotsUse(put.json()));
        assertEquals(Long.parseLong(version(before)) + 1, Long.parseLong(version(put.json())));

        // The current version in a patch is a precondition that holds.
        UnixHttp.Response current = patch(http, "{\"metadata\":{\"resourceVersion\":\"" + version(put.json()) + "\"},"
                + "\"spec\":{\"guest\":{\"memorySlots\":{\"use\":3}}}}");
        assertEquals(200, current.status(), current.body());
        assertEquals(3, slotsUse(current.json()));
    }

    @Test
    void shouldAnswer409WhenTheUidIsAnotherVms() throws Exception {
        UnixHttp http = start();
        create(http);
        JsonNode before = get(http);
        assertConflict(patch(http, "{\"metadata\":{\"uid\":\"0000-not-this-vm\"},\"spec\":{\"guest\":{\"cpus\":{\"use\":3}}}}"),
                "uid");
        assertEquals(before.path("metadata"), get(http).path("metadata"));
        assertEquals(1, cpusUse(get(http)));
    }

    @Test
    void shouldNotCreateAVmWhenAReplacementExpectsAVersionOfIt() throws Exception {
        UnixHttp http = start();
        create(http);
        JsonNode vm = get(http);
        assertEquals(200, http.send("DELETE", "/v1/vms/" + VM, null, null).status());
        assertConflict(http.send("PUT", "/v1/vms/" + VM, "application/json", vm.toString()), "resourceVersion");
        assertEquals(404, http.get("/v1/vms/" + VM).status());
    }

    @Test
    void shouldKeepCountingVersionsAcrossADaemonRestart() throws Exception {
        UnixHttp http = start();
        create(http);
        assertEquals(200, patch(http, cpuPatch(2)).status());
        assertEquals(200, patch(http, slotsPatch(3)).status());
        String last = version(get(http));
        daemons.getLast().stop();

        UnixHttp again = start();
        assertEquals(last, version(get(again)));
        UnixHttp.Response next = patch(again, cpuPatch(3));
        assertEquals(200, next.status(), next.body());
        assertEquals(Long.parseLong(last) + 1, Long.parseLong(version(next.json())));
    }

    private static void assertConflict(UnixHttp.Response r, String mustMention) {
        assertEquals(409, r.status(), r.body());
        String message = r.json().path("error").path("message").asText();
        assertTrue(message.contains(mustMention), message);
        assertEquals(1, message.lines().count(), message);
    }
}
