package io.vmflex.kube.webhook;

import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CertStateTest {

    private final CertificateIssuer issuer = new CertificateIssuer();
    private final Instant now = Instant.now();

    @Test
    void shouldIssueServingCertificateForDnsNamesAndIpsChainedToTheCa() throws Exception {
        KeyPairCert ca = issuer.newCa("test-ca", now, Duration.ofDays(10));
        KeyPairCert serving = issuer.newServing(ca, List.of("127.0.0.1", "::1", "vmflex-webhook.vmflex-system.svc"), now,
                Duration.ofDays(30));
        serving.cert().verify(ca.cert().getPublicKey());
        assertEquals(List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "vmflex-webhook.vmflex-system.svc"),
                CertificateIssuer.hostsOf(serving.cert()));
        assertEquals(ca.notAfter(), serving.notAfter(), "a serving certificate never outlives its CA");
        assertTrue(ca.cert().getBasicConstraints() >= 0, "the CA is a CA");
        assertEquals(-1, serving.cert().getBasicConstraints(), "the serving certificate is not");
        assertTrue(serving.cert().getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");
    }

    @Test
    void shouldRoundTripThroughSecretData() {
        KeyPairCert ca = issuer.newCa("a", now, Duration.ofDays(10));
        KeyPairCert next = issuer.newCa("b", now, Duration.ofDays(10));
        X509Certificate previous = issuer.newCa("c", now, Duration.ofDays(10)).cert();
        CertState state = new CertState(ca, next, previous, issuer.newServing(ca, List.of("h"), now, Duration.ofDays(1)));
        CertState back = CertState.fromSecretData(state.toSecretData(now));
        assertTrue(back.ca().sameCert(ca));
        assertEquals(ca.key(), back.ca().key());
        assertTrue(back.next().sameCert(next));
        assertEquals(previous, back.previous());
        assertTrue(back.serving().sameCert(state.serving()));
        assertEquals(3, back.bundleCerts(now).size());
    }

    @Test
    void shouldNameTheBrokenKey() {
        KeyPairCert ca = issuer.newCa("a", now, Duration.ofDays(10));
        CertState state = new CertState(ca, null, null, issuer.newServing(ca, List.of("h"), now, Duration.ofDays(1)));
        Map<String, String> data = new HashMap<>(state.toSecretData(now));
        data.put("tls.key", "bm90IGEga2V5");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CertState.fromSecretData(data)).getMessage()
                .startsWith("tls.crt/tls.key:"));
        data.remove("ca.crt");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CertState.fromSecretData(data)).getMessage()
                .contains("ca.crt: missing"));
    }
}
