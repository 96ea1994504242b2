package io.vmflex.migration;

import javax.crypto.spec.SecretKeySpec;

/**
 * What the hello settled for the bytes that follow it on one connection.
 *
 * <p>Immutable.
 */
sealed interface ChannelProtection {

    /** For logs: how the connection's bytes cross the network. */
    String label();

    /** Bytes cross as they are (both sides opted out of encryption; trusted networks only). */
    record Plain() implements ChannelProtection {
        @Override
        public String label() {
            return "in clear";
        }
    }

    /**
     * Sealed records ({@link RecordLayout}), one AES-256 key per direction, seen from this end.
     *
     * @param sendKey    seals what this end sends
     * @param receiveKey opens what this end receives
     */
    record Encrypted(SecretKeySpec sendKey, SecretKeySpec receiveKey) implements ChannelProtection {

        @Override
        public String label() {
            return "encrypted (AES-256-GCM)";
        }

        @Override
        public String toString() {
            return "Encrypted[keys redacted]";
        }
    }

    /** The two keys of a connection from the source's end and from the target's. */
    static Encrypted ofSource(byte[] keyMaterial) {
        return new Encrypted(aes(keyMaterial, 0), aes(keyMaterial, 32));
    }

    static Encrypted ofTarget(byte[] keyMaterial) {
        return new Encrypted(aes(keyMaterial, 32), aes(keyMaterial, 0));
    }

    private static SecretKeySpec aes(byte[] material, int offset) {
        return new SecretKeySpec(material, offset, 32, "AES");
    }
}
