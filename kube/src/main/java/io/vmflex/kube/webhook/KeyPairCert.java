package io.vmflex.kube.webhook;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/** A certificate and its private key (a CA's or the serving one). Immutable. */
public record KeyPairCert(X509Certificate cert, PrivateKey key) {

    public KeyPairCert {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
    }

    public Instant notBefore() {
        return cert.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return cert.getNotAfter().toInstant();
    }

    /** Same certificate (the key follows from it). */
    public boolean sameCert(KeyPairCert other) {
        return other != null && cert.equals(other.cert);
    }
}
