package io.vmflex.kube.migration;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VmmStatusTest {
    private static final Instant AT = Instant.parse("2026-12-06T12:00:00Z");

    private static MigrationStatus done(long downtime, long switchover) {
        MigrationStatus s = MigrationStatus.preparing("m1", "demo-vm-4", "10.0.0.2:7451", true, AT)
                .withProgress(new MigrationStatus.Progress("completed", 1000, 0, 2000, 0, 0, 0, downtime, 1500));
        return s.withSwitchoverMs(switchover).finished(MigrationPhase.Completed, null, "done", AT);
    }

    @Test
    void shouldReportTheGuestsWholePauseAsDowntimeAndKeepTheSchedulersFields() throws Exception {
        JsonNode stored = ApiMapper.json().readTree("{\"phase\":\"Running\",\"sourceNode\":\"a\",\"targetNode\":\"b\",\"custom\":1}");
        JsonNode s = VmmStatus.succeeded(stored, done(40, 95), "b");
        assertEquals("Succeeded", s.path("phase").asText());
        assertEquals(95, s.path("downtimeMs").asLong(), "the pause until the target ran it, not only QEMU's part");
        assertEquals(1500, s.path("totalTimeMs").asLong());
        assertEquals(1000, s.path("ramTransferredBytes").asLong());
        assertEquals("b", s.path("targetNode").asText());
        assertEquals(1, s.path("custom").asInt(), "fields the decision does not own are kept");
        assertEquals("m1", s.path("info").path("id").asText());
        assertEquals(40, VmmStatus.succeeded(stored, done(40, 0), "b").path("downtimeMs").asLong(), "QEMU's when unmeasured");
    }

    @Test
    void shouldSayWhyAFailedMigrationEndedOnceAndWhereTheVmIs() {
        MigrationStatus cancelled = MigrationStatus.preparing("m1", "vm", "t:1", true, AT)
                .finished(MigrationPhase.Cancelled, null, "cancelled by the operator", AT);
        assertEquals("cancelled by the operator [source node a]", VmmStatus.ended(null, cancelled, "a").path("message").asText());
        MigrationStatus failed = MigrationStatus.preparing("m1", "vm", "t:1", true, AT)
                .finished(MigrationPhase.Failed, "RelayFailed", "the relay broke", AT);
        assertEquals("failed (RelayFailed): the relay broke [source node a]", VmmStatus.ended(null, failed, "a").path("message").asText());
    }

    @Test
    void shouldWriteThePeersOfTheNodesWithAnUnderlayInTheDaemonsFormat() {
        String yaml = ClusterMembership.peersYaml(List.of(
                new VmNode("node-2", "10.0.0.2:7451", "10.0.0.2", Map.of()),
                new VmNode("node-1", null, "10.0.0.1", Map.of()),
                new VmNode("node-3", "10.0.0.3:7451", null, Map.of())));
        assertEquals("""
                peers:
                  - name: "node-1"
                    underlay: "10.0.0.1"
                  - name: "node-2"
                    underlay: "10.0.0.2"
                    migration: "10.0.0.2:7451"
                """, yaml.substring(yaml.indexOf("peers:")));
        assertEquals("peers: []\n", ClusterMembership.peersYaml(List.of()).substring(ClusterMembership.peersYaml(List.of()).indexOf("peers:")));
    }
}
