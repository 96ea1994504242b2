package io.vmflex.vmm.migration.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.vmm.qemu.QmpOps;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SwitchoverHoldTest {
    private final List<String> sent = new ArrayList<>();
    private final QmpOps source = new QmpOps((command, args) -> {
        sent.add(command + " " + args);
        return CompletableFuture.completedFuture(ApiMapper.json().createObjectNode());
    }, Duration.ofSeconds(1));

    private static JsonNode query(String json) throws Exception {
        return ApiMapper.json().readTree(json);
    }

    @Test
    void shouldHoldDuringTheFirstPassAndGiveTheOperatorsLimitOnceTheSecondStarts() throws Exception {
        SwitchoverHold hold = new SwitchoverHold(300);
        assertFalse(hold.observe(source, query("{\"status\":\"setup\"}")));
        assertFalse(hold.observe(source, query("{\"status\":\"active\",\"ram\":{\"dirty-sync-count\":1,\"remaining\":105517056}}")));
        assertTrue(sent.isEmpty(), sent.toString());

        assertTrue(hold.observe(source, query("{\"status\":\"active\",\"ram\":{\"dirty-sync-count\":2,\"remaining\":2514944}}")));
        assertEquals(List.of("migrate-set-parameters {\"downtime-limit\":300}"), sent);

        // Once: later passes and the end of the migration send nothing more.
        assertFalse(hold.observe(source, query("{\"status\":\"active\",\"ram\":{\"dirty-sync-count\":3}}")));
        assertFalse(hold.observe(source, query("{\"status\":\"completed\",\"ram\":{\"dirty-sync-count\":4}}")));
        assertEquals(1, sent.size());
    }

    @Test
    void shouldReleaseWhenTheFirstLookComesAfterSeveralPasses() throws Exception {
        // The watch loop may first look after QEMU is well past its first pass (a slow poll).
        SwitchoverHold hold = new SwitchoverHold(50);
        assertTrue(hold.observe(source, query("{\"status\":\"active\",\"ram\":{\"dirty-sync-count\":7}}")));
        assertEquals(List.of("migrate-set-parameters {\"downtime-limit\":50}"), sent);
    }
}
