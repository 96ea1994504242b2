package io.vmflex.migration;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The receiving end of one direction of an encrypted connection: opens the records drawn in
 * {@link RecordLayout} from bytes as they arrive, in any fragmentation, expecting sequence 0, 1, 2…
 *
 * <p>Not thread-safe: one relay thread (or one control call) owns it.
 */
final class RecordOpener {

    /** {@link #open} needs more bytes before the next record is complete. */
    static final int NEED_MORE = -1;
    /** {@link #open} opened the end record. */
    static final int END = -2;

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int maxPlaintext;
    private final byte[] nonce = new byte[RecordLayout.NONCE_LENGTH];
    private long sequence;
    private boolean exhausted;
    private boolean ended;

    RecordOpener(SecretKeySpec key, int maxPlaintext) {
        this(key, maxPlaintext, 0);
    }

    RecordOpener(SecretKeySpec key, int maxPlaintext, long firstSequence) {
        this.key = key;
        this.maxPlaintext = maxPlaintext;
        this.sequence = firstSequence;
        try {
            this.cipher = Cipher.getInstance(RecordLayout.TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is part of every JDK", e);
        }
    }

    /** The wire buffer a reader needs at least: one whole record of the largest size. */
    int maxRecordLength() {
        return maxPlaintext + RecordLayout.OVERHEAD;
    }

    boolean ended() {
        return ended;
    }

    /**
     * Opens the next record if {@code wire} (heap, between position and limit) holds all of it:
     * writes its plaintext into {@code out} at {@code outOff}, moves the position past the record and
     * returns the plaintext length; returns {@link #NEED_MORE} (position unchanged) if the record is
     * not complete yet, {@link #END} for the end record.
     *
     * @throws RecordException on a failed tag, a length out of range, a record after the end record,
     *                         or an exhausted sequence
     */
    int open(ByteBuffer wire, byte[] out, int outOff) throws RecordException {
        int available = wire.remaining();
        if (available == 0) {
            return NEED_MORE;
        }
        if (ended) {
            throw new RecordException("data after the end record");
        }
        if (available < RecordLayout.HEADER_LENGTH) {
            return NEED_MORE;
        }
        byte[] array = wire.array();
        int start = wire.arrayOffset() + wire.position();
        int sealed = RecordLayout.getLength(array, start);
        if (sealed < RecordLayout.TAG_LENGTH || sealed > maxPlaintext + RecordLayout.TAG_LENGTH) {
            throw new RecordException("record length " + Integer.toUnsignedString(sealed) + " out of range "
                    + RecordLayout.TAG_LENGTH + ".." + (maxPlaintext + RecordLayout.TAG_LENGTH));
        }
        if (available < RecordLayout.HEADER_LENGTH + sealed) {
            return NEED_MORE;
        }
        if (exhausted) {
            throw new RecordException("record sequence exhausted after 2^64 records");
        }
        RecordLayout.nonce(sequence, nonce);
        int n;
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(RecordLayout.TAG_LENGTH * 8, nonce));
            cipher.updateAAD(array, start, RecordLayout.HEADER_LENGTH);
            n = cipher.doFinal(array, start + RecordLayout.HEADER_LENGTH, sealed, out, outOff);
        } catch (AEADBadTagException e) {
            throw new RecordException("record " + Long.toUnsignedString(sequence)
                    + " failed authentication (tampered, replayed, reordered or wrong key)");
        } catch (GeneralSecurityException e) {
            throw new RecordException("opening record " + Long.toUnsignedString(sequence) + " failed", e);
        }
        wire.position(wire.position() + RecordLayout.HEADER_LENGTH + sealed);
        sequence++;
        if (sequence == 0) {
            exhausted = true;
        }
        if (n == 0) {
            ended = true;
            if (wire.hasRemaining()) {
                throw new RecordException("data after the end record");
            }
            return END;
        }
        return n;
    }
}
