package io.vmflex.kube.webhook;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes the webhook's certificates: a self-signed CA and serving certificates it signs, ECDSA P-256
 * with SHA-256, through BouncyCastle's certificate builder over the JDK's own key and signature
 * providers. Every certificate starts {@link #BACKDATE} before the time asked for, so a server whose
 * clock is a little behind accepts it at once. Stateless and thread-safe.
 */
public final class CertificateIssuer {

    /** Clock skew allowance on notBefore. */
    public static final Duration BACKDATE = Duration.ofMinutes(5);

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new CA valid from {@code now} for {@code validity}. */
    public KeyPairCert newCa(String commonName, Instant now, Duration validity) {
        KeyPair pair = newKeyPair();
        X500Name subject = new X500Name("CN=" + commonName);
        Instant notBefore = now.minus(BACKDATE);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(notBefore), Date.from(now.plus(validity)), subject, pair.getPublic());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
            return new KeyPairCert(sign(builder, pair), pair.getPrivate());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A serving certificate for {@code hosts} (DNS names or IP addresses) signed by {@code ca}, valid
     * from {@code now} for {@code validity} but never past the CA's own end.
     */
    public KeyPairCert newServing(KeyPairCert ca, List<String> hosts, Instant now, Duration validity) {
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a serving certificate needs at least one host name");
        }
        KeyPair pair = newKeyPair();
        Instant notAfter = now.plus(validity).isAfter(ca.notAfter()) ? ca.notAfter() : now.plus(validity);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.cert(), serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), new X500Name("CN=" + hosts.getFirst()),
                    pair.getPublic());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            // Go's TLS client (the API server) checks the subject alternative names only, never the CN.
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    hosts.stream().map(CertificateIssuer::generalName).toArray(GeneralName[]::new)));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca.cert()));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
            return new KeyPairCert(sign(builder, new KeyPair(ca.cert().getPublicKey(), ca.key())), pair.getPrivate());
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a serving certificate: " + e.getMessage(), e);
        }
    }

    /** The hosts a serving certificate was issued for, in its SAN order. */
    public static List<String> hostsOf(X509Certificate cert) {
        try {
            var names = cert.getSubjectAlternativeNames();
            if (names == null) {
                return List.of();
            }
            return names.stream().map(n -> String.valueOf(n.get(1))).toList();
        } catch (java.security.cert.CertificateParsingException e) {
            return List.of();
        }
    }

    /** {@code host} as {@link #hostsOf} reports it: IP literals in the JDK's full form ({@code ::1} is {@code 0:0:0:0:0:0:0:1}). */
    public static String normalHost(String host) {
        if (IPV4.matcher(host).matches() || host.contains(":")) {
            try {
                return InetAddress.getByName(host).getHostAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + host, e);
            }
        }
        return host;
    }

    private static GeneralName generalName(String host) {
        if (IPV4.matcher(host).matches() || host.contains(":")) {
            try {
                // A literal, so no lookup happens.
                return new GeneralName(GeneralName.iPAddress,
                        new org.bouncycastle.asn1.DEROctetString(InetAddress.getByName(host).getAddress()));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + host, e);
            }
        }
        return new GeneralName(GeneralName.dNSName, host);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key pair generator: " + e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
