package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The migration port under a stranger, end to end on namespace nodes ({@code ci/nodes up 2}): from
 * the stranger namespace (an underlay address in no peers file) {@link PortStranger} keeps 500 idle
 * connections on node-2's migration port and sends it junk from two more loops, while a VM moves
 * node-1 → node-2 → node-1 between the real peers. Both moves must complete; the stranger must
 * never receive a byte and see each connection closed long before a handshake timeout; node-2 must
 * count every one as refused before its hello ({@code vmflex_migration_connections_refused_total}),
 * log nothing about it (a port that read its bytes logs their refusal), and hold no more file
 * descriptors afterwards than before.
 */
@Tag("qemu")
class NodesMigrationPortIT {
    private static final String VM = "port-vm";
    private static final int IDLE = 500;
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final String STRANGER_ADDRESS = "10.231.0.251";
    private static final Pattern RESULT = Pattern.compile(
            "result connections=(\\d+) bytesReceived=(\\d+) closedByTarget=(\\d+) heldOpen=(\\d+) connectFailed=(\\d+) slowestCloseMs=(\\d+)");
    /** Descriptors a daemon may open for good on its own meanwhile (a JIT-compiled path, a lazily made socket). */
    private static final long FD_SLACK = 8;

    private static NamespaceNodes nodes;

    @BeforeAll
    static void boot() throws Exception {
        Optional<String> skip = NamespaceNodes.missing();
        skip.ifPresent(why -> System.err.println("SKIPPED NodesMigrationPortIT: " + why));
        assumeTrue(skip.isEmpty(), () -> skip.orElse(""));
        nodes = NamespaceNodes.up(2, "--metrics-listen 127.0.0.1:9464");
    }

    @AfterAll
    static void down() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
    }

    private static long refusedBeforeHello(int k) throws Exception {
        String metrics = NamespaceNodes.exec(String.valueOf(k), Duration.ofSeconds(30), "curl", "-sf",
                "http://127.0.0.1:9464/metrics");
        Matcher m = Pattern.compile("(?m)^vmflex_migration_connections_refused_total (\\S+)$").matcher(metrics);
        assertTrue(m.find(), "no refusal counter in node-" + k + "'s metrics");
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void shouldMigrateBetweenPeersAndRefuseAStrangerBeforeAnyByteWhileItFloodsTheMigrationPort() throws Exception {
        UnixHttp node1 = nodes.node(1);
        UnixHttp node2 = nodes.node(2);
        UnixHttp.Response created = node1.send("POST", "/v1/vms", "application/json",
                NamespaceNodes.testVm(VM, "echo vmflex-test: up; exec sleep 2147483647"));
        assertEquals(201, created.status(), created.body());
        Guest.awaitPhase(node1, VM, "Running", STEP);
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500))
                .until(() -> node1.get("/v1/vms/" + VM + "/console").body().contains("vmflex-test: up"));

        // A first round trip without the stranger: what node-2 opens once for good (QMP event loop,
        // JIT-compiled paths) is then open before the count that the flood's must return to.
        NamespaceNodes.migrate(node1, VM, "node-2");
        NamespaceNodes.migrate(node2, VM, "node-1");
        Guest.awaitPhase(node1, VM, "Running", STEP);
        long fdsBefore = nodes.openFds(2);
        long refusedBefore = refusedBeforeHello(2);

        Process stranger = new ProcessBuilder(NamespaceNodes.java("stranger", PortStranger.class,
                NamespaceNodes.underlay(2), "7451", String.valueOf(IDLE), "2")).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stranger.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // stranger gone
            }
        });
        JsonNode there;
        JsonNode back;
        long fdsDuringFlood;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> lines.contains("stranger: " + IDLE + " idle connections made"));
            fdsDuringFlood = nodes.openFds(2);
            there = NamespaceNodes.migrate(node1, VM, "node-2");
            Guest.awaitPhase(node2, VM, "Running", STEP);
            back = NamespaceNodes.migrate(node2, VM, "node-1");
            Guest.awaitPhase(node1, VM, "Running", STEP);
            assertTrue(stranger.isAlive(), "the stranger kept at it through both moves: " + lines);
        } finally {
            stranger.getOutputStream().close();
            if (!stranger.waitFor(60, TimeUnit.SECONDS)) {
                stranger.destroyForcibly();
            }
        }
        String result = lines.stream().filter(l -> l.startsWith("result ")).findFirst().orElse("no result: " + lines);
        System.out.println("NodesMigrationPortIT: stranger " + result);
        Matcher r = RESULT.matcher(result);
        assertTrue(r.matches(), result);
        long connections = Long.parseLong(r.group(1));
        long slowestCloseMs = Long.parseLong(r.group(6));

        // The port may still be closing the stranger's last connections; then its descriptors are free again.
        long refused = settled(() -> refusedBeforeHello(2) - refusedBefore, n -> n >= connections);
        long fdsAfter = settled(() -> nodes.openFds(2), n -> n <= fdsBefore + FD_SLACK);
        String log = nodes.log(2);
        System.out.printf("NodesMigrationPortIT: node-2 refused %d before their hello; node-2 fds %d before,"
                        + " %d with %d idle strangers, %d after; moves under the flood: there %d ms (downtime %d ms), back %d ms"
                        + " (downtime %d ms)%n", refused, fdsBefore, fdsDuringFlood, IDLE, fdsAfter,
                there.path("totalMs").asLong(), there.path("downtimeMs").asLong(), back.path("totalMs").asLong(),
                back.path("downtimeMs").asLong());

        assertTrue(connections >= IDLE, "the stranger connected at least " + IDLE + " times: " + result);
        assertEquals("0", r.group(2), "the port sent the stranger nothing: " + result);
        assertEquals(connections, Long.parseLong(r.group(3)), "the port closed every connection of the stranger: " + result);
        assertEquals("0", r.group(4), "the port kept no junk connection waiting for a hello: " + result);
        assertTrue(slowestCloseMs < 4000, "closed without waiting for a hello (a peer gets 5 s for it): " + result);
        assertFalse(log.contains(STRANGER_ADDRESS), "node-2 read nothing from the stranger, so it has nothing to log: "
                + log.lines().filter(l -> l.contains(STRANGER_ADDRESS)).limit(5).toList());
        assertTrue(refused >= connections, "node-2 counted each of the stranger's " + connections + " connections as refused"
                + " before its hello: " + refused);
        assertTrue(fdsAfter <= fdsBefore + FD_SLACK, "node-2 holds " + fdsAfter + " descriptors, " + fdsBefore + " before");
    }

    /** {@code value} once {@code ok} holds, or as it is after 30 s (the caller asserts). */
    private static long settled(Callable<Long> value, LongPredicate ok) throws Exception {
        try {
            return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(value, ok::test);
        } catch (ConditionTimeoutException e) {
            return value.call();
        }
    }
}
