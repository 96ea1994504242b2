package io.vmflex.kube.webhook;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the webhook's Secret holds: the CA that signs the serving certificate, the next CA once it is
 * published ahead of a CA rotation, the previous CA while certificates it signed may still be served
 * by a replica that has not caught up, and the serving certificate. The API server is given
 * {@link #caBundle} (all of those CAs), so a rotation never leaves a served certificate untrusted.
 * Immutable.
 *
 * @param previous the CA before {@code ca}; null when none or expired
 * @param next     the CA that will sign after the next rotation; null until published
 */
public record CertState(KeyPairCert ca, KeyPairCert next, X509Certificate previous, KeyPairCert serving) {

    static final String CA_CRT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String NEXT_CA_CRT = "next-ca.crt";
    static final String NEXT_CA_KEY = "next-ca.key";
    static final String PREVIOUS_CA_CRT = "previous-ca.crt";
    static final String TLS_CRT = "tls.crt";
    static final String TLS_KEY = "tls.key";
    /** What the configuration's caBundle holds, for a reader that does not want to put it together. */
    static final String CA_BUNDLE = "ca-bundle.crt";

    /** PEM of every CA the API server should trust: current, next, previous; {@code now} drops an expired previous. */
    public String caBundle(Instant now) {
        StringBuilder pem = new StringBuilder(Pem.certificate(ca.cert()));
        if (next != null) {
            pem.append(Pem.certificate(next.cert()));
        }
        if (previous != null && previous.getNotAfter().toInstant().isAfter(now)) {
            pem.append(Pem.certificate(previous));
        }
        return pem.toString();
    }

    /** The Secret's data (base64 values, as the API wants them). */
    public Map<String, String> toSecretData(Instant now) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CA_CRT, b64(Pem.certificate(ca.cert())));
        data.put(CA_KEY, b64(Pem.privateKey(ca.key())));
        if (next != null) {
            data.put(NEXT_CA_CRT, b64(Pem.certificate(next.cert())));
            data.put(NEXT_CA_KEY, b64(Pem.privateKey(next.key())));
        }
        if (previous != null) {
            data.put(PREVIOUS_CA_CRT, b64(Pem.certificate(previous)));
        }
        data.put(TLS_CRT, b64(Pem.certificate(serving.cert())));
        data.put(TLS_KEY, b64(Pem.privateKey(serving.key())));
        data.put(CA_BUNDLE, b64(caBundle(now)));
        return data;
    }

    /**
     * Reads a Secret's data back.
     *
     * @throws IllegalArgumentException naming the key that is missing or broken
     */
    public static CertState fromSecretData(Map<String, String> data) {
        if (data == null) {
            throw new IllegalArgumentException("the Secret has no data");
        }
        KeyPairCert ca = pair(data, CA_CRT, CA_KEY);
        KeyPairCert next = data.containsKey(NEXT_CA_CRT) ? pair(data, NEXT_CA_CRT, NEXT_CA_KEY) : null;
        X509Certificate previous = data.containsKey(PREVIOUS_CA_CRT)
                ? Pem.certificates(text(data, PREVIOUS_CA_CRT)).getFirst() : null;
        return new CertState(ca, next, previous, pair(data, TLS_CRT, TLS_KEY));
    }

    /** All CAs in the bundle, for tests and for checking a chain. */
    public List<X509Certificate> bundleCerts(Instant now) {
        return List.copyOf(Pem.certificates(caBundle(now)));
    }

    private static KeyPairCert pair(Map<String, String> data, String certKey, String keyKey) {
        try {
            return new KeyPairCert(Pem.certificates(text(data, certKey)).getFirst(), Pem.privateKey(text(data, keyKey)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(certKey + "/" + keyKey + ": " + e.getMessage(), e);
        }
    }

    private static String text(Map<String, String> data, String key) {
        String value = data.get(key);
        if (value == null) {
            throw new IllegalArgumentException(key + ": missing");
        }
        try {
            return new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": not base64", e);
        }
    }

    private static String b64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
