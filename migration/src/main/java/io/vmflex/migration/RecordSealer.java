package io.vmflex.migration;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The sending end of one direction of an encrypted connection: seals plaintext into the records
 * drawn in {@link RecordLayout}, numbering them from 0.
 *
 * <p>Works on heap arrays on purpose: the JDK's AES-GCM intrinsic runs over a whole {@code byte[]}
 * in one call, while a direct buffer goes through 512-byte staging arrays allocated per call.
 *
 * <p>Not thread-safe: one relay thread (or one control call) owns it.
 */
final class RecordSealer {

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int maxPlaintext;
    private final byte[] nonce = new byte[RecordLayout.NONCE_LENGTH];
    private long sequence;
    private boolean exhausted;

    RecordSealer(SecretKeySpec key, int maxPlaintext) {
        this(key, maxPlaintext, 0);
    }

    /** Starting at {@code firstSequence} (unsigned), so tests can reach the end of the counter. */
    RecordSealer(SecretKeySpec key, int maxPlaintext, long firstSequence) {
        if (maxPlaintext < 1 || maxPlaintext > Integer.MAX_VALUE - RecordLayout.OVERHEAD) {
            throw new IllegalArgumentException("maxPlaintext out of range: " + maxPlaintext);
        }
        this.key = key;
        this.maxPlaintext = maxPlaintext;
        this.sequence = firstSequence;
        try {
            this.cipher = Cipher.getInstance(RecordLayout.TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is part of every JDK", e);
        }
    }

    int maxPlaintext() {
        return maxPlaintext;
    }

    /**
     * Seals {@code plain[off, off + len)} as the next record into {@code out} at {@code outOff}
     * (which needs {@code len + }{@value RecordLayout#OVERHEAD} bytes); {@code len == 0} seals the end
     * record. Returns the record's length on the wire.
     */
    int seal(byte[] plain, int off, int len, byte[] out, int outOff) throws RecordException {
        if (len < 0 || len > maxPlaintext) {
            throw new IllegalArgumentException("record plaintext of " + len + " bytes; at most " + maxPlaintext);
        }
        if (exhausted) {
            throw new RecordException("record sequence exhausted after 2^64 records; refusing to reuse a nonce");
        }
        int sealed = len + RecordLayout.TAG_LENGTH;
        RecordLayout.putLength(out, outOff, sealed);
        RecordLayout.nonce(sequence, nonce);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(RecordLayout.TAG_LENGTH * 8, nonce));
            cipher.updateAAD(out, outOff, RecordLayout.HEADER_LENGTH);
            int n = cipher.doFinal(plain, off, len, out, outOff + RecordLayout.HEADER_LENGTH);
            if (n != sealed) {
                throw new RecordException("sealed " + n + " bytes, expected " + sealed);
            }
        } catch (GeneralSecurityException e) {
            throw new RecordException("sealing record " + Long.toUnsignedString(sequence) + " failed", e);
        }
        sequence++;
        if (sequence == 0) {
            exhausted = true;
        }
        return RecordLayout.HEADER_LENGTH + sealed;
    }
}
