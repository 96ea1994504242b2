package io.vmflex.vmm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PeersTest {
    @TempDir
    Path dir;

    private Peers load(String yaml) throws IOException {
        Path f = dir.resolve("peers.yaml");
        Files.writeString(f, yaml);
        return Peers.load(f);
    }

    @Test
    void shouldResolveANodeNameToItsMigrationAddressWhenListed() throws Exception {
        Peers p = load("""
                peers:
                  - name: node-1
                    underlay: 10.231.0.11
                    migration: 10.231.0.11:7451
                  - name: node-2
                    underlay: 10.231.0.12
                    migration: 10.231.0.12
                  - name: client
                    underlay: 10.231.0.250
                """);
        assertEquals(new InetSocketAddress("10.231.0.11", 7451), p.resolveTarget("node-1"));
        assertEquals(new InetSocketAddress("10.231.0.12", Peers.DEFAULT_MIGRATION_PORT), p.resolveTarget("node-2"));
        assertEquals(new InetSocketAddress("127.0.0.1", 9000), p.resolveTarget("127.0.0.1:9000"), "host:port still works");
        assertEquals(List.of("10.231.0.12", "10.231.0.250"),
                p.underlaysExcept("node-1").stream().map(a -> a.getHostAddress()).toList(), "own entry skipped");
    }

    @Test
    void shouldRefuseUnknownNamesAndOverlayOnlyPeersWithOneLineReasons() throws Exception {
        Peers p = load("peers:\n  - {name: node-1, underlay: 10.231.0.11, migration: 10.231.0.11:7451}\n"
                + "  - {name: client, underlay: 10.231.0.250}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.resolveTarget("node-9"));
        assertTrue(e.getMessage().contains("unknown node \"node-9\"") && e.getMessage().contains("node-1, client"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        e = assertThrows(IllegalArgumentException.class, () -> p.resolveTarget("client"));
        assertTrue(e.getMessage().contains("no migration address"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Peers.NONE.resolveTarget("node-1"));
        assertTrue(e.getMessage().contains("none configured"), e.getMessage());
    }

    @Test
    void shouldNameFileAndEntryWhenThePeersFileIsWrong() {
        IOException e = assertThrows(IOException.class, () -> load("peers:\n  - {name: a, underlay: 10.1.1.1}\n"
                + "  - {name: b, underlay: 10.1.1.300}\n"));
        assertTrue(e.getMessage().contains("peers[1]"), e.getMessage());
        e = assertThrows(IOException.class, () -> load("peers:\n  - {name: a, underlay: 10.1.1.1, port: 3}\n"));
        assertTrue(e.getMessage().contains("unknown field \"port\""), e.getMessage());
        e = assertThrows(IOException.class, () -> load("peers:\n  - {name: a, underlay: 10.1.1.1}\n  - {name: a, underlay: 10.1.1.2}\n"));
        assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
        e = assertThrows(IOException.class, () -> load("peers:\n  - {name: a}\n"));
        assertTrue(e.getMessage().contains("neither"), e.getMessage());
    }
}
