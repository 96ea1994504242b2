package io.vmflex.kube.placement;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vmflex.kube.crd.NeonVm;
import io.vmflex.scheduler.core.Amount;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubeObjectsTest {

    private static final KubernetesSerialization SERIAL = new KubernetesSerialization();
    private static final long GI = 1L << 30;

    @Test
    void shouldReadANodeAsItsKubeletReportsIt() {
        Node node = SERIAL.unmarshal("""
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"vmflex.io/vm-node":"true","disk":"ssd"}},
                 "spec":{"unschedulable":true,"taints":[{"key":"vmflex.io/vm-node","value":"true","effect":"NoSchedule"}]},
                 "status":{"allocatable":{"cpu":"3500m","memory":"7Gi"},
                           "conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}]}}
                """, Node.class);
        NodeInfo info = KubeObjects.node(node);
        assertEquals(new NodeInfo("n1", Map.of("vmflex.io/vm-node", "true", "disk", "ssd"),
                List.of(new NodeTaint("vmflex.io/vm-node", "true", "NoSchedule")), true, true, new Amount(3500, 7 * GI)), info);
        Node bare = SERIAL.unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n2\"}}", Node.class);
        assertFalse(KubeObjects.node(bare).ready());
        assertEquals(Amount.ZERO, KubeObjects.node(bare).allocatable());
    }

    @Test
    void shouldCountPodRequestsAsKubeSchedulerDoes() {
        Pod pod = SERIAL.unmarshal("""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                 "spec":{"nodeName":"n1","overhead":{"cpu":"10m"},
                   "initContainers":[{"name":"i","resources":{"requests":{"cpu":"2","memory":"100Mi"}}}],
                   "containers":[{"name":"a","resources":{"requests":{"cpu":"250m","memory":"1Gi"}}},
                                 {"name":"b","resources":{"requests":{"cpu":"0.5"}}},{"name":"c"}]},
                 "status":{"phase":"Running"}}
                """, Pod.class);
        // containers: 750m, 1Gi; the init container's 2 CPU is larger; plus 10m overhead
        assertEquals(new Amount(2010, GI), KubeObjects.podRequests(pod));
        assertTrue(KubeObjects.holdsNode(pod));
        pod.getStatus().setPhase("Succeeded");
        assertFalse(KubeObjects.holdsNode(pod));
        pod.getStatus().setPhase("Pending");
        pod.getSpec().setNodeName(null);
        assertFalse(KubeObjects.holdsNode(pod));
    }

    private static NeonVm vm(String json) {
        return SERIAL.unmarshal(json, NeonVm.class);
    }

    @Test
    void shouldReadAPendingVmAtItsUseAndABoundOneAtTheLargerOfUseAndStatus() {
        String spec = """
                "spec":{"schedulerName":"autoscale-scheduler","nodeSelector":{"disk":"ssd"},
                  "tolerations":[{"key":"gpu","operator":"Exists"}],
                  "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                     {"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]}]}]}}},
                  "guest":{"cpus":{"min":"250m","use":1,"max":4},"memorySlotSize":"512Mi","memorySlots":{"min":1,"use":2,"max":8},
                           "rootDisk":{"image":"test"}}}""";
        VmInfo pending = KubeObjects.vm(vm("""
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine",
                 "metadata":{"name":"a","namespace":"ns","uid":"u1","resourceVersion":"7","creationTimestamp":"2026-12-06T08:00:00Z"},
                """ + spec + "}"));
        assertEquals("ns/a", pending.key());
        assertNull(pending.boundNode());
        assertNull(pending.problem());
        assertEquals(new Amount(250, GI / 2), pending.min());
        assertEquals(new Amount(1000, GI), pending.use());
        assertEquals(new Amount(4000, 4 * GI), pending.max());
        assertEquals(Map.of("disk", "ssd"), pending.requirements().nodeSelector());
        assertEquals(1, pending.requirements().requiredTerms().size());
        assertEquals(List.of(new Toleration("gpu", "Exists", null, null)), pending.requirements().tolerations());

        VmInfo bound = KubeObjects.vm(vm("""
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine",
                 "metadata":{"name":"a","namespace":"ns","uid":"u1","labels":{"vmflex.io/node":"n1"}},
                """ + spec + """
                ,"status":{"phase":"Scaling","cpus":"2","memorySize":"512Mi",
                  "conditions":[{"type":"Scheduled","status":"True","reason":"Scheduled","lastTransitionTime":"2026-12-06T08:00:01Z"}]}}
                """));
        assertEquals("n1", bound.boundNode());
        // a downscale under way: 2 CPUs still plugged although use is 1; memory at use (status shows less)
        assertEquals(new Amount(2000, GI), bound.use());
        assertEquals("True", bound.scheduled().status());
    }

    @Test
    void shouldSayWhyAVmCannotBePlaced() {
        VmInfo noCpus = KubeObjects.vm(vm("""
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"a","namespace":"ns"},
                 "spec":{"guest":{"memorySlots":{"min":1,"use":1,"max":1}}}}"""));
        assertEquals("cannot be placed: spec.guest.cpus: min, use and max are required", noCpus.problem());
        VmInfo badAffinity = KubeObjects.vm(vm("""
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"a","namespace":"ns"},
                 "spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                     {"matchExpressions":[{"key":"zone","operator":"Near"}]}]}}},
                  "guest":{"cpus":{"min":1,"use":1,"max":1},"memorySlots":{"min":1,"use":1,"max":1}}}}"""));
        assertEquals("cannot be placed: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                + ".nodeSelectorTerms[0].matchExpressions[0].operator: expected one of In, NotIn, Exists, DoesNotExist, Gt, Lt, "
                + "got \"Near\"", badAffinity.problem());
    }
}
