package io.vmflex.kube.webhook;

import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * When the webhook's certificates change, as a pure function of the time and what the Secret holds
 * (keys come from the {@link CertificateIssuer} it is handed; no I/O, no clock of its own).
 *
 * <pre>
 *   CA life:    |----------- half -----------|---- 2/3 ----|------------------|
 *               issued              next CA published   next CA signs,       old CA expires
 *                                   (caBundle: ca+next)  old one kept as      (dropped from
 *                                                        previous             the bundle)
 *   serving:    re-issued at 2/3 of its life, when the CA changes, or when the hosts change
 * </pre>
 *
 * The next CA is in the API server's caBundle for a sixth of the CA's life before it signs anything,
 * and the previous CA stays there until it expires, so no replica's served certificate is ever
 * untrusted during a rotation. Thread-safe (immutable).
 */
public record RotationPolicy(Duration caValidity, Duration servingValidity) {

    /** One year for the CA, 90 days for the serving certificate. */
    public static final RotationPolicy DEFAULT = new RotationPolicy(Duration.ofDays(365), Duration.ofDays(90));

    public static final String CA_NAME = "vmflex-webhook-ca";

    public RotationPolicy {
        if (caValidity.compareTo(Duration.ofMinutes(1)) < 0 || servingValidity.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("certificate validity must be at least a minute");
        }
    }

    /** What to do with the stored certificates. */
    public sealed interface Plan {
    }

    /** Nothing to change. */
    public record Keep() implements Plan {
    }

    /** Store and serve {@code state}; {@code why} lists the reasons, for the log. */
    public record Change(CertState state, List<String> why) implements Plan {
    }

    /**
     * @param current what the Secret holds, null when it holds nothing usable
     * @param hosts   the names the serving certificate must carry
     */
    public Plan plan(Instant now, CertState current, List<String> hosts, CertificateIssuer issuer) {
        List<String> why = new ArrayList<>();
        if (current == null) {
            KeyPairCert ca = issuer.newCa(CA_NAME, now, caValidity);
            why.add("no certificates stored yet");
            return new Change(new CertState(ca, null, null, issuer.newServing(ca, hosts, now, servingValidity)), why);
        }
        KeyPairCert ca = current.ca();
        KeyPairCert next = current.next();
        var previous = current.previous();
        KeyPairCert serving = current.serving();

        if (!now.isBefore(fraction(ca, 2, 3))) {
            boolean nextUsable = next != null && now.isBefore(fraction(next, 2, 3));
            why.add(nextUsable ? "CA past 2/3 of its life: the published next CA takes over"
                    : "CA past 2/3 of its life and no usable next CA: a new one takes over");
            previous = now.isBefore(ca.notAfter()) ? ca.cert() : null;
            ca = nextUsable ? next : issuer.newCa(CA_NAME, now, caValidity);
            next = null;
        }
        if (next == null && !now.isBefore(fraction(ca, 1, 2))) {
            why.add("CA past half of its life: next CA published in the caBundle");
            next = issuer.newCa(CA_NAME, now, caValidity);
        }
        if (previous != null && !now.isBefore(previous.getNotAfter().toInstant())) {
            why.add("previous CA expired: dropped from the caBundle");
            previous = null;
        }
        String servingWhy = servingProblem(now, ca, serving, hosts);
        if (servingWhy != null) {
            why.add(servingWhy);
            serving = issuer.newServing(ca, hosts, now, servingValidity);
        }
        return why.isEmpty() ? new Keep() : new Change(new CertState(ca, next, previous, serving), why);
    }

    private static String servingProblem(Instant now, KeyPairCert ca, KeyPairCert serving, List<String> hosts) {
        if (!signedBy(serving, ca)) {
            return "serving certificate not signed by the current CA: re-issued";
        }
        if (!new HashSet<>(CertificateIssuer.hostsOf(serving.cert()))
                .equals(new HashSet<>(hosts.stream().map(CertificateIssuer::normalHost).toList()))) {
            return "serving certificate is for other hosts " + CertificateIssuer.hostsOf(serving.cert()) + ": re-issued for " + hosts;
        }
        if (!now.isBefore(fraction(serving, 2, 3))) {
            return "serving certificate past 2/3 of its life: re-issued";
        }
        return null;
    }

    private static boolean signedBy(KeyPairCert cert, KeyPairCert ca) {
        try {
            cert.cert().verify(ca.cert().getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** issued + life × num / den, where issued is notBefore without the issuer's clock skew allowance. */
    private static Instant fraction(KeyPairCert cert, int num, int den) {
        Instant issued = cert.notBefore().plus(CertificateIssuer.BACKDATE);
        Duration life = Duration.between(issued, cert.notAfter());
        return issued.plus(life.multipliedBy(num).dividedBy(den));
    }
}
