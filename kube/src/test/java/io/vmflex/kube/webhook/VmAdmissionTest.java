package io.vmflex.kube.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static io.vmflex.kube.webhook.Reviews.at;
import static io.vmflex.kube.webhook.Reviews.request;
import static io.vmflex.kube.webhook.Reviews.storedVm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmAdmissionTest {

    @Test
    void shouldAllowValidVmWithServerMetadata() {
        assertInstanceOf(AdmissionDecision.Allowed.class, VmAdmission.review(request("CREATE", storedVm(), null)));
    }

    @Test
    void shouldDenyUseAboveMaxNamingTheField() {
        ObjectNode vm = storedVm();
        at(vm, "spec", "guest", "cpus").put("use", 3);
        AdmissionDecision.Denied denied = denied(VmAdmission.review(request("CREATE", vm, null)));
        assertEquals(403, denied.code());
        assertEquals("spec.guest.cpus.use: must be at most spec.guest.cpus.max (2), got 3", denied.message());
    }

    @Test
    void shouldDenySlotSizeNotMultipleOf8Mi() {
        ObjectNode vm = storedVm();
        at(vm, "spec", "guest").put("memorySlotSize", "100Mi");
        assertTrue(denied(VmAdmission.review(request("CREATE", vm, null))).message()
                .startsWith("spec.guest.memorySlotSize: must be a multiple of 8Mi"));
    }

    @Test
    void shouldDenyMalformedQuantityNamingTheField() {
        ObjectNode vm = storedVm();
        at(vm, "spec", "guest", "cpus").put("use", "lots");
        assertTrue(denied(VmAdmission.review(request("CREATE", vm, null))).message().startsWith("spec.guest.cpus.use:"));
    }

    @Test
    void shouldDenyBoundsAnnotationOutsideTheGuestRange() {
        ObjectNode vm = storedVm();
        at(vm, "metadata", "annotations").put("autoscaling.neon.tech/bounds",
                "{ \"min\": { \"cpu\": \"250m\", \"mem\": \"1Gi\" }, \"max\": { \"cpu\": 8, \"mem\": \"4Gi\" } }");
        assertTrue(denied(VmAdmission.review(request("CREATE", vm, null))).message()
                .contains("autoscaling.neon.tech/bounds"));
    }

    @Test
    void shouldDenyFieldVmflexRefuses() {
        ObjectNode vm = storedVm();
        at(vm, "spec").put("initScript", "echo hi");
        assertTrue(denied(VmAdmission.review(request("CREATE", vm, null))).message()
                .startsWith("not supported by vmflex: spec.initScript"));
    }

    @Test
    void shouldAllowUseChangeAndDenyImmutableChangeOnUpdate() {
        ObjectNode old = storedVm();
        ObjectNode resized = storedVm();
        at(resized, "spec", "guest", "cpus").put("use", 2);
        assertInstanceOf(AdmissionDecision.Allowed.class, VmAdmission.review(request("UPDATE", resized, old)));

        ObjectNode grown = storedVm();
        at(grown, "spec", "guest", "memorySlots").put("max", 8);
        assertEquals("spec.guest.memorySlots.max: is immutable",
                denied(VmAdmission.review(request("UPDATE", grown, old))).message());
    }

    @Test
    void shouldAllowMetadataOnlyUpdateAndUpdateWhileDeletingOfInvalidStoredVm() {
        ObjectNode invalid = storedVm();
        at(invalid, "spec", "guest", "cpus").put("use", 3);
        ObjectNode finalized = invalid.deepCopy();
        at(finalized, "metadata").putArray("finalizers").add("vm.neon.tech/vmflex-node");
        assertInstanceOf(AdmissionDecision.Allowed.class, VmAdmission.review(request("UPDATE", finalized, invalid)));

        ObjectNode deleting = invalid.deepCopy();
        at(deleting, "metadata").put("deletionTimestamp", "2026-12-06T08:01:00Z");
        at(deleting, "metadata", "labels").put("vmflex.io/node", "n1");
        assertInstanceOf(AdmissionDecision.Allowed.class, VmAdmission.review(request("UPDATE", deleting, invalid)));

        ObjectNode labelled = invalid.deepCopy();
        at(labelled, "metadata", "labels").put("vmflex.io/node", "n1");
        assertTrue(denied(VmAdmission.review(request("UPDATE", labelled, invalid))).message().startsWith("spec.guest.cpus.use"));
    }

    @Test
    void shouldAllowStatusSubresourceAndDelete() {
        ObjectNode invalid = storedVm();
        at(invalid, "spec", "guest", "cpus").put("use", 3);
        ObjectNode review = Reviews.review(AdmissionReviewCodec.V1, "UPDATE", invalid, storedVm());
        at(review, "request").put("subResource", "status");
        assertInstanceOf(AdmissionDecision.Allowed.class, VmAdmission.review(AdmissionReviewCodec.parse(Reviews.bytes(review))));
        assertInstanceOf(AdmissionDecision.Allowed.class, VmAdmission.review(request("DELETE", null, storedVm())));
    }

    @Test
    void shouldDenyResourceItDoesNotJudge() {
        ObjectNode review = Reviews.review(AdmissionReviewCodec.V1, "CREATE", storedVm(), null);
        at(review, "request", "resource").put("group", "").put("resource", "pods");
        assertTrue(denied(VmAdmission.review(AdmissionReviewCodec.parse(Reviews.bytes(review)))).message()
                .contains("judges only virtualmachines.vm.neon.tech"));
    }

    private static AdmissionDecision.Denied denied(AdmissionDecision decision) {
        return assertInstanceOf(AdmissionDecision.Denied.class, decision);
    }
}
