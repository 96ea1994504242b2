package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static io.vmflex.vmm.it.MigrationProbe.VM;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The link between source and target cut in the middle of a live migration. The target daemon
 * runs in network namespace {@value #NETNS}, reached over veth {@value #HOST_END}/{@value #NS_END}
 * (10.233.0.1 ↔ 10.233.0.2, /30). Setting the host end down mid-stream stalls the TCP relay
 * without any error; the progress timeout (5 s here) must fail the migration with the VM still
 * running on the source, and the target, which hears nothing more from the source, must drop its
 * paused QEMU on its own while the link is still down (TCP keep-alive after the same 5 s). Once the
 * link is back, a migration there and back succeeds. Needs root (skipped otherwise).
 */
@Tag("qemu")
class MigrationLinkCutIT {
    private static final String NETNS = "vmfh3-t";
    private static final String HOST_END = "vmfh3a";
    private static final String NS_END = "vmfh3b";
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migcut", VM);
    private static TestDaemon a;
    private static TestDaemon b;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.requireImagesAndRoot(MigrationLinkCutIT.class, "needs root for a network namespace and a veth pair");
        removeNetwork();
        sh("ip", "netns", "add", NETNS);
        sh("ip", "link", "add", HOST_END, "type", "veth", "peer", "name", NS_END);
        sh("ip", "link", "set", NS_END, "netns", NETNS);
        sh("ip", "addr", "add", "10.233.0.1/30", "dev", HOST_END);
        sh("ip", "link", "set", HOST_END, "up");
        sh("ip", "netns", "exec", NETNS, "ip", "addr", "add", "10.233.0.2/30", "dev", NS_END);
        sh("ip", "netns", "exec", NETNS, "ip", "link", "set", NS_END, "up");
        sh("ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up");

        Path secret = daemons.secret("cluster.secret", 'k');
        a = daemons.start(daemons.migrationPeer("a", "10.233.0.1", secret));
        b = daemons.start(daemons.migrationPeer("b", "10.233.0.2", secret).inNetns(NETNS));
        MigrationProbe.bootTestVm(a);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        daemons.close();
        if (a != null) {
            removeNetwork();
        }
    }

    private static void removeNetwork() throws Exception {
        run(List.of("ip", "netns", "del", NETNS));
        run(List.of("ip", "link", "del", HOST_END));
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        }
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Test
    void shouldFailWithinTheProgressTimeoutAndKeepTheVmOnTheSourceWhenTheLinkIsCutMidStream() throws Exception {
        int pid = MigrationProbe.pid(a);
        long uptime = MigrationProbe.uptime(a);
        String id = MigrationProbe.start(a, b, ",\"maxBandwidthMbps\":40,\"progressTimeoutSeconds\":5");
        int targetQemu = MigrationProbe.incomingQemuPid(b);
        MigrationProbe.awaitTransferred(a, id, 16);
        long t0 = System.nanoTime();
        sh("ip", "link", "set", HOST_END, "down");
        JsonNode end;
        try {
            end = MigrationProbe.awaitEnd(a, id);
            System.out.printf("MEASURED link cut: Failed after %d ms (%s)%n", (System.nanoTime() - t0) / 1_000_000,
                    end.path("message").asText());
            assertEquals("Failed", end.path("phase").asText(), end.toString());
            assertEquals("ProgressTimeout", end.path("reason").asText(), end.toString());
            MigrationProbe.assertStillRunsOn(a, pid, uptime, "Failed");
            MigrationProbe.assertTargetClean(b, targetQemu);
            System.out.printf("MEASURED link still down: target cleaned up %d ms after the cut%n",
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            sh("ip", "link", "set", HOST_END, "up");
        }
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }
}
