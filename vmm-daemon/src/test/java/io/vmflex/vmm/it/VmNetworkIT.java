package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VM on the node bridge: vmmd gives it a tap and an address from the pool (status.extraNetIP),
 * the host reaches a server in the guest over it, and deleting the VM leaves no tap behind.
 */
@Tag("qemu")
class VmNetworkIT {
    private static final String BRIDGE = "vmftbr0";
    private static final Daemons daemons = Daemons.inTempDir("vmfx-net", TestVm.NAME);
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Requirements.requireImagesAndRoot(VmNetworkIT.class, "needs root for bridges and taps");
        daemon = daemons.start(new TestDaemon(daemons.root(), "node-net", Guest.imageDir())
                .withNetwork(BRIDGE + ",10.76.0.0/24,vmft"));
    }

    @AfterAll
    static void stop() throws Exception {
        daemons.close();
        if (daemon != null) {
            new ProcessBuilder("ip", "link", "del", BRIDGE).start().waitFor();
        }
    }

    private static String ipLink(String name) throws Exception {
        Process p = new ProcessBuilder("ip", "-o", "link", "show", name).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return p.exitValue() == 0 ? out : "";
    }

    @Test
    void shouldServeTheGuestOverItsTapAndCleanUpOnDelete() throws Exception {
        TestVm.create(daemon);
        JsonNode vm = Guest.awaitPhase(daemon.http(), "test-vm", "Running", Duration.ofSeconds(60));
        String ip = vm.path("status").path("extraNetIP").asText();
        assertEquals("10.76.0.2", ip, vm.toString());

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String[] body = new String[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            body[0] = resp.body();
            return resp.statusCode() == 200;
        });
        assertEquals("vmflex-guest-http", body[0].strip());

        String bridge = ipLink(BRIDGE);
        assertTrue(bridge.contains("UP"), bridge);
        String taps = new String(new ProcessBuilder("ip", "-o", "link", "show", "master", BRIDGE).start()
                .getInputStream().readAllBytes());
        assertTrue(taps.contains("vmft"), "no VM tap on the bridge: " + taps);

        assertEquals(200, daemon.http().send("DELETE", "/v1/vms/test-vm", null, null).status());
        String after = new String(new ProcessBuilder("ip", "-o", "link", "show", "master", BRIDGE).start()
                .getInputStream().readAllBytes());
        assertFalse(after.contains("vmft"), "tap left behind: " + after);
    }
}
