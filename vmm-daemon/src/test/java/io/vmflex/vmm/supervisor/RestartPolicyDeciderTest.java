package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.VmPhase;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartPolicyDeciderTest {

    @Test
    void shouldStartWhenNeverLaunchedWhateverThePolicy() {
        for (RestartPolicy p : RestartPolicy.values()) {
            assertTrue(RestartPolicyDecider.shouldRun(false, p, VmPhase.Succeeded), p.name());
            assertTrue(RestartPolicyDecider.shouldRun(false, p, VmPhase.Failed), p.name());
        }
    }

    @Test
    void shouldAlwaysRestartWhenPolicyIsAlways() {
        assertTrue(RestartPolicyDecider.shouldRun(true, RestartPolicy.Always, VmPhase.Succeeded));
        assertTrue(RestartPolicyDecider.shouldRun(true, RestartPolicy.Always, VmPhase.Failed));
    }

    @Test
    void shouldRestartOnlyAfterAFailureWhenPolicyIsOnFailure() {
        assertTrue(RestartPolicyDecider.shouldRun(true, RestartPolicy.OnFailure, VmPhase.Failed));
        assertFalse(RestartPolicyDecider.shouldRun(true, RestartPolicy.OnFailure, VmPhase.Succeeded));
    }

    @Test
    void shouldNeverRestartWhenPolicyIsNever() {
        assertFalse(RestartPolicyDecider.shouldRun(true, RestartPolicy.Never, VmPhase.Failed));
        assertFalse(RestartPolicyDecider.shouldRun(true, RestartPolicy.Never, VmPhase.Succeeded));
    }

    @Test
    void shouldCountAnExitAsSucceededOnlyWhenTheGuestShutDownWhileWatched() {
        assertEquals(VmPhase.Succeeded, RestartPolicyDecider.exitPhase(true, false));
        assertEquals(VmPhase.Failed, RestartPolicyDecider.exitPhase(false, false));
        assertEquals(VmPhase.Failed, RestartPolicyDecider.exitPhase(true, true));
        assertEquals(VmPhase.Failed, RestartPolicyDecider.exitPhase(false, true));
    }

    @Test
    void shouldDoubleBackoffFromOneSecondAndCapItAtThirtySeconds() {
        assertEquals(Duration.ofSeconds(1), RestartPolicyDecider.backoff(0));
        assertEquals(Duration.ofSeconds(2), RestartPolicyDecider.backoff(1));
        assertEquals(Duration.ofSeconds(16), RestartPolicyDecider.backoff(4));
        assertEquals(Duration.ofSeconds(30), RestartPolicyDecider.backoff(5));
        assertEquals(Duration.ofSeconds(30), RestartPolicyDecider.backoff(1000));
    }

    @Test
    void shouldRelaunchAtOnceAfterACleanShutdownAndBackOffAfterAFailure() {
        assertEquals(Duration.ZERO, RestartPolicyDecider.relaunchDelay(VmPhase.Succeeded, 3));
        assertEquals(Duration.ofSeconds(8), RestartPolicyDecider.relaunchDelay(VmPhase.Failed, 3));
    }
}
