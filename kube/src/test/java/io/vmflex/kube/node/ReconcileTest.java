package io.vmflex.kube.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.VirtualMachine;
import org.junit.jupiter.api.Test;

import static io.vmflex.kube.node.Objects.deleting;
import static io.vmflex.kube.node.Objects.kubeVm;
import static io.vmflex.kube.node.Objects.localOf;
import static io.vmflex.kube.node.Objects.object;
import static io.vmflex.kube.node.Objects.ours;
import static io.vmflex.kube.node.Objects.withFinalizer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReconcileTest {

    @Test
    void shouldHoldTheFinalizerBeforeRunningAnything() {
        assertEquals(new Step.AddFinalizer(), Reconcile.next(kubeVm(object("demo", "vm-a", "uid-1", "1")), null, true));
    }

    @Test
    void shouldCreateTheVmUnderItsLocalNameWithOwnershipAnnotations() {
        Step step = Reconcile.next(ours("1"), null, true);
        VirtualMachine vm = assertInstanceOf(Step.Create.class, step).vm();
        assertEquals("demo-vm-a-4", vm.name());
        assertEquals("demo/vm-a", vm.metadata().annotations().get(Ownership.OBJECT));
        assertEquals("uid-1", vm.metadata().annotations().get(Ownership.UID));
        assertTrue(!vm.metadata().annotations().containsKey("kubectl.kubernetes.io/last-applied-configuration"));
    }

    @Test
    void shouldUpdateWhenAPersonPatchedUseAndConvergeOnceApplied() {
        VirtualMachine running = localOf(ours("1"));
        Step step = Reconcile.next(ours("2"), running, true);
        VirtualMachine wanted = assertInstanceOf(Step.Update.class, step).vm();
        assertEquals(MilliCpu.ofCpus(2), wanted.spec().guest().cpus().use());
        assertEquals(new Step.Converged(), Reconcile.next(ours("2"), wanted, true));
    }

    @Test
    void shouldRefuseAnInvalidSpecNamingTheFieldAndLeaveTheVmAlone() {
        VirtualMachine running = localOf(ours("1"));
        Step step = Reconcile.next(ours("9"), running, true);
        assertTrue(assertInstanceOf(Step.Refuse.class, step).message().startsWith("spec.guest.cpus"), step.toString());
        assertInstanceOf(Step.Refuse.class, Reconcile.next(ours("9"), null, true));
    }

    @Test
    void shouldStopTheVmOnDeleteAndReleaseTheFinalizerOnlyOnceItIsGone() {
        KubeVm gone = kubeVm(deleting(withFinalizer(object("demo", "vm-a", "uid-1", "1"))));
        assertEquals(new Step.Stop("demo-vm-a-4", "its VirtualMachine demo/vm-a is being deleted"),
                Reconcile.next(gone, localOf(ours("1")), true));
        assertEquals(new Step.RemoveFinalizer(), Reconcile.next(gone, null, true));
        assertEquals(new Step.Idle(), Reconcile.next(kubeVm(deleting(object("demo", "vm-a", "uid-1", "1"))), null, true));
    }

    @Test
    void shouldStopTheVmOfAReplacedObjectBeforeRunningTheNewOne() {
        VirtualMachine old = localOf(ours("1"));
        KubeVm replaced = kubeVm(withFinalizer(object("demo", "vm-a", "uid-2", "1")));
        assertInstanceOf(Step.Stop.class, Reconcile.next(replaced, old, true));
    }

    @Test
    void shouldStopAnOrphanOnlyOnceTheApiWasListedAndOnlyIfTheControllerMadeIt() {
        VirtualMachine made = localOf(ours("1"));
        assertEquals(new Step.Idle(), Reconcile.next(null, made, false));
        assertEquals(new Step.Orphaned("demo-vm-a-4"), Reconcile.next(null, made, true));
        VirtualMachine standalone = made.withMetadata(made.metadata().withAnnotations(java.util.Map.of()));
        assertEquals(new Step.Idle(), Reconcile.next(null, standalone, true));
    }

    @Test
    void shouldReportALocalNameThatCannotBeMade() {
        ObjectNode o = withFinalizer(object("demo", "vm." + "a", "uid-1", "1"));
        assertTrue(assertInstanceOf(Step.Refuse.class, Reconcile.next(kubeVm(o), null, true)).message().startsWith("metadata.name"));
    }

    @Test
    void shouldNotTakeOverAStandaloneVmOfTheSameName() {
        VirtualMachine made = localOf(ours("1"));
        VirtualMachine standalone = made.withMetadata(made.metadata().withAnnotations(java.util.Map.of()));
        assertTrue(assertInstanceOf(Step.Refuse.class, Reconcile.next(ours("1"), standalone, true)).message()
                .contains("that Kubernetes does not manage"));
    }
}
