package io.vmflex.migration;

import java.util.Arrays;
import java.util.UUID;

/**
 * The first frame on a migration TCP connection, sent by the source daemon.
 *
 * @param version      protocol version; only {@link HelloCodec#VERSION} is accepted
 * @param channel      which of the migration's QEMU connections this TCP connection carries (0 = main)
 * @param migrationId  the migration the target was told to expect
 * @param clientNonce  {@value HelloCodec#NONCE_LENGTH} fresh random bytes
 * @param encrypt      the source wants the stream sealed ({@link HelloCodec#FLAG_ENCRYPT})
 */
public record MigrationHello(int version, int channel, UUID migrationId, byte[] clientNonce, boolean encrypt) {

    public MigrationHello {
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("version must fit in u16: " + version);
        }
        if (channel < 0 || channel > 0xFFFF) {
            throw new IllegalArgumentException("channel must fit in u16: " + channel);
        }
        if (clientNonce.length != HelloCodec.NONCE_LENGTH) {
            throw new IllegalArgumentException("client nonce must be " + HelloCodec.NONCE_LENGTH + " bytes");
        }
        clientNonce = clientNonce.clone();
    }

    @Override
    public byte[] clientNonce() {
        return clientNonce.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MigrationHello h && version == h.version && channel == h.channel
                && migrationId.equals(h.migrationId) && Arrays.equals(clientNonce, h.clientNonce)
                && encrypt == h.encrypt;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * (31 * version + channel) + migrationId.hashCode()) + Arrays.hashCode(clientNonce))
                + Boolean.hashCode(encrypt);
    }

    @Override
    public String toString() {
        return "MigrationHello[version=" + version + ", channel=" + channel + ", migrationId=" + migrationId
                + ", encrypt=" + encrypt + "]";
    }
}
