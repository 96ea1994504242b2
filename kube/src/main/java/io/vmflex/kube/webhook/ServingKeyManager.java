package io.vmflex.kube.webhook;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * The serving certificate the TLS server presents, swapped in place on rotation: every new handshake
 * gets the current one, connections already open keep theirs. Thread-safe (one volatile reference).
 */
public final class ServingKeyManager extends X509ExtendedKeyManager {

    private static final String ALIAS = "serving";

    private volatile KeyPairCert current;

    public ServingKeyManager(KeyPairCert initial) {
        this.current = initial;
    }

    /** Serves {@code serving} from the next handshake on. */
    public void use(KeyPairCert serving) {
        this.current = serving;
    }

    public KeyPairCert current() {
        return current;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = alias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? new X509Certificate[] {current.cert()} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? current.key() : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    private String alias(String keyType) {
        return current.key().getAlgorithm().equals(keyType) ? ALIAS : null;
    }
}
