package io.vmflex.kube.migration;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.kube.migration.MigrationRules.VmHere;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationRulesTest {
    private static final Function<String, Optional<VmNode>> NODES = name -> switch (name) {
        case "node-a" -> Optional.of(new VmNode("node-a", "10.0.0.1:7451", null, Map.of()));
        case "node-b" -> Optional.of(new VmNode("node-b", "10.0.0.2:7451", null, Map.of("zone", "b")));
        case "node-c" -> Optional.of(new VmNode("node-c", null, null, Map.of()));
        default -> Optional.empty();
    };

    static KubeVmm vmm(String spec, String status) {
        try {
            JsonNode o = ApiMapper.json().readTree("""
                    {"metadata":{"namespace":"demo","name":"move","uid":"u1","resourceVersion":"5"},
                     "spec":%s, "status":%s}""".formatted(spec, status == null ? "null" : status));
            return KubeVmm.of(o);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Decision next(KubeVmm vmm, VmHere here) {
        return MigrationRules.next("node-a", vmm, here, 0, null, Optional.empty(), NODES);
    }

    private static MigrationStatus daemon(MigrationPhase phase) {
        MigrationStatus s = MigrationStatus.preparing("m1", "demo-vm-4", "10.0.0.2:7451", true, Instant.EPOCH);
        return phase.isFinal() ? s.finished(phase, null, "done", Instant.EPOCH) : s.withPhase(phase, "x");
    }

    @Test
    void shouldStartWithTheTargetsAddressAndTheSpecsKnobsWhenTheVmRunsHere() {
        Decision d = next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\",\"maxBandwidth\":\"125M\",\"downtimeLimitMs\":50}", null),
                VmHere.RUNNING);
        Decision.Start start = assertInstanceOf(Decision.Start.class, d);
        assertEquals("10.0.0.2:7451", start.targetAddress());
        assertEquals(1000, start.knobs().maxBandwidthMbps(), "125 MB/s is 1000 Mbit/s");
        assertEquals(50, start.knobs().downtimeLimitMs());
    }

    @Test
    void shouldLeaveAnotherNodesVmAlone() {
        assertInstanceOf(Decision.Ignore.class, next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\"}", null), VmHere.NOT_HERE));
    }

    @Test
    void shouldFailATargetThatIsTheVmsOwnNodeOrUnknownOrOffItsSelector() {
        assertTrue(((Decision.Fail) next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-a\"}", null), VmHere.RUNNING))
                .message().contains("is the node"));
        assertTrue(((Decision.Fail) next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-x\"}", null), VmHere.RUNNING))
                .message().contains("does not exist"));
        assertTrue(((Decision.Fail) next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\",\"nodeSelector\":{\"zone\":\"c\"}}", null),
                VmHere.RUNNING)).message().contains("nodeSelector"));
    }

    @Test
    void shouldWaitForATargetOrItsDaemonOrTheVm() {
        assertInstanceOf(Decision.Wait.class, next(vmm("{\"vmName\":\"vm\"}", null), VmHere.RUNNING));
        assertInstanceOf(Decision.Wait.class, next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-c\"}", null), VmHere.RUNNING));
        assertInstanceOf(Decision.Wait.class, next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\"}", null), VmHere.NOT_RUNNING));
        // the scheduler's choice in status counts when the spec names none
        assertInstanceOf(Decision.Start.class, next(vmm("{\"vmName\":\"vm\"}", "{\"targetNode\":\"node-b\"}"), VmHere.RUNNING));
    }

    @Test
    void shouldFailWhenTheVmIsDeletingOrMigratingAlreadyOrTheSpecIsBad() {
        assertInstanceOf(Decision.Fail.class, next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\"}", null), VmHere.DELETING));
        assertInstanceOf(Decision.Fail.class, MigrationRules.next("node-a", vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\"}", null),
                VmHere.RUNNING, 0, "other", Optional.empty(), NODES));
        assertTrue(((Decision.Fail) next(vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\",\"allowPostCopy\":true}", null),
                VmHere.RUNNING)).message().startsWith("spec.allowPostCopy"));
        assertTrue(((Decision.Fail) next(vmm("{\"vmName\":\"vm\",\"bogus\":1}", null), VmHere.RUNNING)).message().startsWith("spec"));
    }

    @Test
    void shouldFollowTheDaemonsMigrationOnlyOnItsSource() {
        KubeVmm running = vmm("{\"vmName\":\"vm\",\"targetNode\":\"node-b\"}",
                "{\"phase\":\"Running\",\"sourceNode\":\"node-a\",\"targetNode\":\"node-b\",\"info\":{\"id\":\"m1\"}}");
        assertEquals("m1", running.migrationId());
        assertInstanceOf(Decision.Report.class, MigrationRules.next("node-a", running, VmHere.RUNNING, 0, null,
                Optional.of(daemon(MigrationPhase.Migrating)), NODES));
        assertInstanceOf(Decision.Finish.class, MigrationRules.next("node-a", running, VmHere.NOT_RUNNING, 0, null,
                Optional.of(daemon(MigrationPhase.Completed)), NODES));
        assertInstanceOf(Decision.Ended.class, MigrationRules.next("node-a", running, VmHere.RUNNING, 0, null,
                Optional.of(daemon(MigrationPhase.Cancelled)), NODES));
        assertInstanceOf(Decision.Ignore.class, MigrationRules.next("node-b", running, VmHere.NOT_HERE, 0, null,
                Optional.empty(), NODES));
        // a source daemon that restarted and knows no such migration says where the VM is
        Decision.Fail lost = assertInstanceOf(Decision.Fail.class, MigrationRules.next("node-a", running, VmHere.RUNNING, 0, null,
                Optional.empty(), NODES));
        assertTrue(lost.message().contains("stays on node node-a"), lost.message());
        assertInstanceOf(Decision.Ignore.class, next(vmm("{\"vmName\":\"vm\"}", "{\"phase\":\"Succeeded\"}"), VmHere.RUNNING));
    }
}
