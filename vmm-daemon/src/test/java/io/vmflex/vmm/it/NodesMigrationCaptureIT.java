package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationStatus;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a migration puts on the wire, end to end on namespace nodes ({@code ci/nodes up 2}): a guest
 * holds a random marker string in memory (20,000 copies in a tmpfs file; its command line carries
 * the marker reversed, so the VM's spec, which crosses in the prepare request, does not contain it),
 * tcpdump captures everything on node-1's underlay link while the VM moves node-1 → node-2, and the
 * capture is searched for the marker. With the default (encrypted) no piece of it is there; with
 * every node's {@code --migration-encryption off} it is (so the test can fail).
 */
@Tag("qemu")
class NodesMigrationCaptureIT {
    private static final String VM = "marker-vm";
    private static final Duration STEP = Duration.ofSeconds(120);
    /** A guest that is migrated moves well over this; a capture with less did not see the migration. */
    private static final long MIGRATION_BYTES = 16L << 20;

    @BeforeAll
    static void check() {
        Optional<String> skip = NamespaceNodes.missing().or(() -> Files.isExecutable(Path.of("/usr/bin/tcpdump"))
                ? Optional.empty() : Optional.of("tcpdump not installed (ci/install-deps.sh)"));
        skip.ifPresent(why -> System.err.println("SKIPPED NodesMigrationCaptureIT: " + why));
        assumeTrue(skip.isEmpty(), () -> skip.orElse(""));
    }

    private static String guestScript(String marker) {
        String reversed = new StringBuilder(marker).reverse().toString();
        return String.join("; ",
                "mkdir -p /dev/shm", "mount -t tmpfs -o size=16m tmpfs /dev/shm",
                "m=$(echo " + reversed + " | rev)",
                "i=0; while [ $i -lt 20000 ]; do echo \"$m\"; i=$((i+1)); done > /dev/shm/marker",
                "echo vmflex-test: holding $(wc -c < /dev/shm/marker) bytes of the marker",
                "exec sleep 2147483647");
    }

    /** Where {@code needle} first occurs in {@code hay}, or -1. */
    static long indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private record Captured(byte[] bytes, JsonNode migration, String targetLog) {
    }

    /** Boots the nodes with {@code daemonArgs}, moves a marker-holding VM node-1 → node-2 under tcpdump. */
    private static Captured migrateUnderCapture(String daemonArgs, String marker) throws Exception {
        try (NamespaceNodes nodes = NamespaceNodes.up(2, daemonArgs)) {
            UnixHttp node1 = nodes.node(1);
            UnixHttp node2 = nodes.node(2);
            String script = guestScript(marker);
            assertFalse(script.contains(marker), "the spec must not carry the marker itself");
            UnixHttp.Response created = node1.send("POST", "/v1/vms", "application/json", NamespaceNodes.testVm(VM, script));
            assertEquals(201, created.status(), created.body());
            Guest.awaitPhase(node1, VM, "Running", STEP);
            Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500))
                    .until(() -> node1.get("/v1/vms/" + VM + "/console").body().contains("bytes of the marker"));

            Path pcap = Files.createTempFile("vmflex-capture", ".pcap");
            Process tcpdump = new ProcessBuilder("tcpdump", "-i", "vmfxu-1", "-s", "0", "-U", "-w", pcap.toString())
                    .redirectErrorStream(true).start();
            List<String> said = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        said.add(l);
                    }
                } catch (IOException ignored) {
                    // tcpdump gone
                }
            });
            JsonNode migration;
            try {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> said.stream().anyMatch(l -> l.contains("listening on vmfxu-1")));
                migration = NamespaceNodes.migrate(node1, VM, "node-2");
                Guest.awaitPhase(node2, VM, "Running", STEP);
            } finally {
                tcpdump.destroy(); // SIGTERM: tcpdump writes what it has and exits
                assertTrue(tcpdump.waitFor(30, TimeUnit.SECONDS), "tcpdump did not stop: " + said);
            }
            System.out.println("tcpdump: " + said);
            byte[] bytes = Files.readAllBytes(pcap);
            Files.delete(pcap);
            return new Captured(bytes, migration, nodes.log(2));
        }
    }

    @Test
    void shouldCarryNoPlaintextOfTheGuestsMemoryAcrossTheUnderlayUnlessEveryNodeOptedOut() throws Exception {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String marker = "vmflex-marker-" + HexFormat.of().formatHex(random);
        byte[] whole = marker.getBytes(StandardCharsets.US_ASCII);
        byte[] head = marker.substring(0, 16).getBytes(StandardCharsets.US_ASCII);
        byte[] tail = marker.substring(marker.length() - 16).getBytes(StandardCharsets.US_ASCII);

        Captured encrypted = migrateUnderCapture("", marker);
        System.out.printf("NodesMigrationCaptureIT: encrypted move captured %d bytes, marker at %d (head %d, tail %d)%n",
                encrypted.bytes().length, indexOf(encrypted.bytes(), whole), indexOf(encrypted.bytes(), head),
                indexOf(encrypted.bytes(), tail));
        assertTrue(encrypted.bytes().length > MIGRATION_BYTES, "the capture saw the migration: " + encrypted.bytes().length);
        assertEquals(MigrationStatus.ENCRYPTED, encrypted.migration().path("encryption").asText(), encrypted.migration().toString());
        assertTrue(encrypted.targetLog().contains("encrypted (AES-256-GCM)"), "the target logs each connection's mode");
        assertEquals(-1, indexOf(encrypted.bytes(), head), "plaintext of guest memory on the underlay");
        assertEquals(-1, indexOf(encrypted.bytes(), tail), "plaintext of guest memory on the underlay");

        Captured plain = migrateUnderCapture("--migration-encryption off", marker);
        long at = indexOf(plain.bytes(), whole);
        System.out.printf("NodesMigrationCaptureIT: move with the opt-out captured %d bytes, marker at %d%n", plain.bytes().length, at);
        assertEquals(MigrationStatus.IN_CLEAR, plain.migration().path("encryption").asText(), plain.migration().toString());
        assertTrue(plain.targetLog().contains(", in clear"), "the target logs each connection's mode");
        assertTrue(at >= 0, "with the opt-out the guest's memory crosses in clear, marker included (else this test proves nothing)");
    }
}
