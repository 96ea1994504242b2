package io.vmflex.kube.testing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AvailabilityTest {

    @Test
    void runsWhenBothBinariesAreThere() {
        assertEquals(new Availability.Ready(), Availability.of(null, false));
        assertEquals(new Availability.Ready(), Availability.of(null, true));
    }

    @Test
    void skipsWithTheReasonWhenTheBinaryIsMissingAndWasNotAskedFor() {
        assertEquals(new Availability.Skip("no kube-apiserver at /x (build it with ci/kube/build-apiserver.sh)"),
                Availability.of("no kube-apiserver at /x", false));
    }

    /** CI names the binary: a missing one must fail the tests there, not skip them. */
    @Test
    void failsWhenTheBinaryWasNamedButIsMissing() {
        assertEquals(new Availability.Fail("no kube-apiserver at /x (named with -Dvmflex.kube.apiserver or VMFLEX_KUBE_APISERVER)"),
                Availability.of("no kube-apiserver at /x", true));
    }
}
