package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.vmflex.vmm.qemu.QmpOps;

class MigrationTuningTest {

    private static List<String> capabilityNames(ObjectNode caps) {
        List<String> names = new ArrayList<>();
        for (JsonNode c : caps.path("capabilities")) {
            names.add(c.path("capability").asText() + "=" + c.path("state").asBoolean());
        }
        return names;
    }

    @Test
    void shouldUseOneConnectionAndTurnMultifdOffWhenOneChannel() {
        assertEquals(1, MigrationTuning.connections(1));
        // Off explicitly: the source may have been a multifd migration's target, which turned it on.
        assertEquals(List.of("events=true", "auto-converge=true", "multifd=false", "pause-before-switchover=false"),
                capabilityNames(MigrationTuning.sourceCapabilities(1, false)));
        ObjectNode p = MigrationTuning.sourceParameters(10_000, 1);
        assertFalse(p.has("multifd-channels"));
        // The operator's limit comes with the second pass (SwitchoverHold).
        assertEquals(SwitchoverHold.HELD_LIMIT_MS, p.path("downtime-limit").asLong());
        assertEquals(1_250_000_000L, p.path("max-bandwidth").asLong());
    }

    @Test
    void shouldAddTheMainConnectionAndMultifdWhenSeveralChannels() {
        assertEquals(3, MigrationTuning.connections(2));
        assertEquals(List.of("events=true", "auto-converge=true", "multifd=true", "pause-before-switchover=false"),
                capabilityNames(MigrationTuning.sourceCapabilities(2, false)));
        assertEquals(2, MigrationTuning.sourceParameters(10_000, 2).path("multifd-channels").asInt());
    }

    @Test
    void shouldPauseBeforeSwitchoverOnlyWhenADiskMirrorMustBeCompletedThere() {
        // Also explicit when off: a capability outlives the migration that set it.
        assertEquals(List.of("events=true", "auto-converge=true", "multifd=false", "pause-before-switchover=true"),
                capabilityNames(MigrationTuning.sourceCapabilities(1, true)));
    }

    @Test
    void shouldRefuseChannelCountsQemuRefuses() {
        assertThrows(IllegalArgumentException.class, () -> MigrationTuning.connections(0));
        assertThrows(IllegalArgumentException.class, () -> MigrationTuning.sourceCapabilities(256, false));
    }

    @Test
    void shouldTurnEventsOnAndSetMultifdOnTheTargetBeforeItListensWhenSeveralChannels() throws Exception {
        List<String> sent = new ArrayList<>();
        QmpOps ops = new QmpOps((command, args) -> {
            sent.add(command + " " + args);
            return CompletableFuture.completedFuture(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        }, java.time.Duration.ofSeconds(1));
        MigrationTuning.applyTarget(ops, 1);
        assertEquals(List.of("migrate-set-capabilities {\"capabilities\":[{\"capability\":\"events\",\"state\":true}]}"),
                sent, "the commit waits for the target's MIGRATION event");
        sent.clear();
        MigrationTuning.applyTarget(ops, 4);
        assertEquals(List.of(
                "migrate-set-capabilities {\"capabilities\":[{\"capability\":\"events\",\"state\":true},"
                        + "{\"capability\":\"multifd\",\"state\":true}]}",
                "migrate-set-parameters {\"multifd-channels\":4}"), sent);
    }
}
