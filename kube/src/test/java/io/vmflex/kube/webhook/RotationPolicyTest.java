package io.vmflex.kube.webhook;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rotation rules, stepped through a CA's life with a fake clock. */
class RotationPolicyTest {

    private static final RotationPolicy POLICY = new RotationPolicy(Duration.ofDays(360), Duration.ofDays(90));
    private static final List<String> HOSTS = List.of("vmflex-webhook.vmflex-system.svc", "vmflex-webhook");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final CertificateIssuer issuer = new CertificateIssuer();

    @Test
    void shouldMakeCaAndServingWhenNothingIsStored() {
        CertState state = change(POLICY.plan(T0, null, HOSTS, issuer)).state();
        assertEquals(HOSTS, CertificateIssuer.hostsOf(state.serving().cert()));
        assertNull(state.next());
        assertNull(state.previous());
        assertEquals(1, state.bundleCerts(T0).size());
    }

    @Test
    void shouldKeepWhileYoung() {
        CertState state = change(POLICY.plan(T0, null, HOSTS, issuer)).state();
        assertInstanceOf(RotationPolicy.Keep.class, POLICY.plan(T0.plus(Duration.ofDays(59)), state, HOSTS, issuer));
    }

    @Test
    void shouldRenewServingAtTwoThirdsWithTheSameCa() {
        CertState state = change(POLICY.plan(T0, null, HOSTS, issuer)).state();
        CertState renewed = change(POLICY.plan(T0.plus(Duration.ofDays(61)), state, HOSTS, issuer)).state();
        assertSame(state.ca(), renewed.ca());
        assertTrue(!renewed.serving().sameCert(state.serving()));
        assertEquals(state.caBundle(T0), renewed.caBundle(T0), "the caBundle does not change for a serving renewal");
    }

    @Test
    void shouldPublishNextCaAtHalfAndSwitchToItAtTwoThirds() throws Exception {
        CertState state = change(POLICY.plan(T0, null, HOSTS, issuer)).state();
        Instant half = T0.plus(Duration.ofDays(181));
        CertState published = change(POLICY.plan(half, state, HOSTS, issuer)).state();
        assertNotNull(published.next());
        assertSame(state.ca(), published.ca(), "the current CA still signs");
        assertEquals(2, published.bundleCerts(half).size());

        Instant twoThirds = T0.plus(Duration.ofDays(241));
        CertState rotated = change(POLICY.plan(twoThirds, published, HOSTS, issuer)).state();
        assertTrue(rotated.ca().sameCert(published.next()), "the published CA takes over");
        assertEquals(state.ca().cert(), rotated.previous(), "the old CA stays trusted");
        rotated.serving().cert().verify(rotated.ca().cert().getPublicKey());
        assertEquals(2, rotated.bundleCerts(twoThirds).size());
        assertInstanceOf(RotationPolicy.Keep.class, POLICY.plan(twoThirds.plusSeconds(60), rotated, HOSTS, issuer));

        Instant oldExpired = T0.plus(Duration.ofDays(361));
        CertState dropped = change(POLICY.plan(oldExpired, rotated, HOSTS, issuer)).state();
        assertNull(dropped.previous());
        assertFalse(dropped.bundleCerts(oldExpired).contains(state.ca().cert()), "the expired CA left the caBundle");
    }

    @Test
    void shouldMakeANewCaWhenTheStoredOneExpiredUnattended() {
        CertState state = change(POLICY.plan(T0, null, HOSTS, issuer)).state();
        Instant late = T0.plus(Duration.ofDays(400));
        CertState fresh = change(POLICY.plan(late, state, HOSTS, issuer)).state();
        assertTrue(fresh.ca().notAfter().isAfter(late.plus(Duration.ofDays(300))));
        assertNull(fresh.previous(), "an expired CA is not kept");
        assertTrue(fresh.serving().notAfter().isAfter(late));
    }

    @Test
    void shouldReissueServingForOtherHosts() {
        CertState state = change(POLICY.plan(T0, null, HOSTS, issuer)).state();
        List<String> url = List.of("127.0.0.1");
        CertState reissued = change(POLICY.plan(T0.plusSeconds(10), state, url, issuer)).state();
        assertEquals(url, CertificateIssuer.hostsOf(reissued.serving().cert()));
        assertSame(state.ca(), reissued.ca());
    }

    private static RotationPolicy.Change change(RotationPolicy.Plan plan) {
        return assertInstanceOf(RotationPolicy.Change.class, plan);
    }
}
