package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.vmflex.vmm.it.MigrationProbe.VM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The link between source and target cut in the middle of a live migration. The target daemon
 * runs in network namespace {@value #NETNS}, reached over veth {@value #HOST_END}/{@value #NS_END}
 * (10.233.0.1 ↔ 10.233.0.2, /30). Setting the host end down mid-stream stalls the TCP relay
 * without any error; the progress timeout (5 s here) must fail the migration with the VM still
 * running on the source, and the target, which hears nothing more from the source, must drop its
 * paused QEMU on its own while the link is still down (TCP keep-alive after the same 5 s). Once the
 * link is back, a migration there and back succeeds. Then the same cut under a guest that keeps
 * writing its root disk, with a 60 s progress timeout: the mirror holds each of its writes until the
 * target has it, so the migration must give up on the stalled writes within seconds, not at the
 * progress timeout. Needs root (skipped otherwise).
 */
@Tag("qemu")
class MigrationLinkCutIT {
    private static final String NETNS = "vmfh3-t";
    private static final String HOST_END = "vmfh3a";
    private static final String NS_END = "vmfh3b";
    private static final String WRITER = "dw-vm";
    /** One {@code vmflex-dw: <round> <uptime s>} line per 64 KiB written to the disk with fsync, about every second. */
    private static final Pattern WROTE = Pattern.compile("vmflex-dw: (\\d+) ([0-9.]+)");
    /**
     * Stops the monitor and unmounts its file system (the disk's bytes are the test's from then on),
     * then forever: 64 KiB of random bytes at 8 MiB with fsync, a line, a second's sleep. One line:
     * the daemon passes argv one argument per line.
     */
    private static final String WRITER_SCRIPT = String.join("; ",
            TestVm.RELEASE_MONITOR_DISK, "i=0",
            "while :; do i=$((i+1))", "dd if=/dev/urandom of=/dev/vda bs=65536 seek=128 count=1 conv=fsync 2>/dev/null",
            "read up idle < /proc/uptime", "echo \"vmflex-dw: $i $up\"", "sleep 1", "done");
    private static final Daemons daemons = Daemons.inTempDir("vmfx-migcut", VM, WRITER);
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
        var m = MigrationProbe.midStream(a, b, ",\"maxBandwidthMbps\":40,\"progressTimeoutSeconds\":5", 16);
        long t0 = System.nanoTime();
        sh("ip", "link", "set", HOST_END, "down");
        JsonNode end;
        try {
            end = MigrationProbe.awaitEnd(a, m.id());
            System.out.printf("MEASURED link cut: Failed after %d ms (%s)%n", (System.nanoTime() - t0) / 1_000_000,
                    end.path("message").asText());
            assertEquals("Failed", end.path("phase").asText(), end.toString());
            assertEquals("ProgressTimeout", end.path("reason").asText(), end.toString());
            MigrationProbe.assertStillRunsOn(a, m.sourcePid(), m.uptime(), "Failed");
            MigrationProbe.assertTargetClean(b, m.targetQemuPid());
            System.out.printf("MEASURED link still down: target cleaned up %d ms after the cut%n",
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            sh("ip", "link", "set", HOST_END, "up");
        }
        MigrationProbe.assertMigratesThereAndBack(a, b);
    }

    /** The writer's rounds on {@code d}'s console as {round, m.uptime() in ms}, oldest first. */
    private static List<long[]> writes(TestDaemon d) throws Exception {
        String console = d.http().get("/v1/vms/" + WRITER + "/console?tail=400").body();
        if (console.contains(TestVm.DISK_STILL_MOUNTED)) {
            throw new AssertionError(TestVm.DISK_STILL_MOUNTED);
        }
        Matcher m = WROTE.matcher(console);
        List<long[]> rounds = new ArrayList<>();
        while (m.find()) {
            rounds.add(new long[] {Long.parseLong(m.group(1)), Math.round(Double.parseDouble(m.group(2)) * 1000)});
        }
        return rounds;
    }

    @Test
    void shouldGiveUpWithinSecondsWhenTheCutLinkHoldsTheGuestsDiskWrites() throws Exception {
        TestVm.create(a, TestVm.diskWriter(WRITER, WRITER_SCRIPT));
        Guest.awaitPhase(a.http(), WRITER, "Running", MigrationProbe.STEP);
        Awaitility.await().atMost(MigrationProbe.STEP).pollInterval(Duration.ofMillis(500)).until(() -> writes(a).size() >= 3);
        int pid = a.http().get("/v1/vms/" + WRITER).json().path("status").path("pid").asInt();
        String id = MigrationProbe.start(a, b, WRITER, ",\"maxBandwidthMbps\":40,\"progressTimeoutSeconds\":60");
        int targetQemu = MigrationProbe.incomingQemuPid(b, WRITER);
        MigrationProbe.awaitTransferred(a, id, 16);
        long roundAtCut = writes(a).getLast()[0];
        long t0 = System.nanoTime();
        sh("ip", "link", "set", HOST_END, "down");
        try {
            JsonNode end = MigrationProbe.awaitEnd(a, id);
            long failedAfterMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("Failed", end.path("phase").asText(), end.toString());
            assertEquals("DiskStalled", end.path("reason").asText(), end.toString());
            // 5 s of waiting writes plus a poll, far from the 60 s progress timeout.
            assertTrue(failedAfterMs < 20_000, "failed only after " + failedAfterMs + " ms: " + end);
            // Same QEMU, running, and its writes go on with the link still down.
            JsonNode vm = Guest.awaitPhase(a.http(), WRITER, "Running", MigrationProbe.STEP);
            assertEquals(pid, vm.path("status").path("pid").asInt(), vm.toString());
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> writes(a).getLast()[0] >= roundAtCut + 3);
            long longestGapMs = 0;
            List<long[]> rounds = writes(a);
            for (int k = 1; k < rounds.size(); k++) {
                longestGapMs = Math.max(longestGapMs, rounds.get(k)[1] - rounds.get(k - 1)[1]);
            }
            System.out.printf("MEASURED disk writes held by the cut link: Failed after %d ms (%s); longest gap between"
                    + " the guest's 1 s write rounds %d ms%n", failedAfterMs, end.path("message").asText(), longestGapMs);
            assertTrue(longestGapMs < 20_000, "a guest write waited " + longestGapMs + " ms");
        } finally {
            sh("ip", "link", "set", HOST_END, "up");
        }
        MigrationProbe.assertTargetClean(b, targetQemu, WRITER);
        assertEquals(200, a.http().send("DELETE", "/v1/vms/" + WRITER, null, null).status());
    }
}
