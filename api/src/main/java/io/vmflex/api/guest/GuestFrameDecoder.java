package io.vmflex.api.guest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a byte stream into guest-channel payloads, in whatever pieces the bytes arrive. It keeps
 * at most one frame's bytes ({@code 4 + }{@link GuestFrames#MAX_PAYLOAD}), so a hostile peer
 * cannot make it buffer more; a length outside {@code 1..MAX_PAYLOAD} fails the stream for good.
 *
 * <p>Not threadsafe: one reader feeds it.
 */
public final class GuestFrameDecoder {
    private final byte[] header = new byte[4];
    private int headerFill;
    private byte[] payload;
    private int payloadFill;
    private String failure;

    /**
     * Raised once the stream can no longer be trusted; every later call raises it again. Frames
     * completed earlier in the same call are not lost: {@link #framesBefore()} has them (a
     * handshake answer followed by a bad length must still count as a handshake answer).
     */
    public static final class FramingException extends Exception {
        private final transient List<byte[]> framesBefore;

        public FramingException(String message) {
            this(message, List.of());
        }

        public FramingException(String message, List<byte[]> framesBefore) {
            super(message);
            this.framesBefore = List.copyOf(framesBefore);
        }

        /** Payloads completed by the failing call before the bad length, in order. */
        public List<byte[]> framesBefore() {
            return framesBefore;
        }
    }

    /** Feeds bytes; returns the payloads completed by them (possibly none). */
    public List<byte[]> feed(byte[] data, int offset, int length) throws FramingException {
        if (failure != null) {
            throw new FramingException(failure);
        }
        List<byte[]> out = new ArrayList<>();
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (payload == null) {
                int n = Math.min(4 - headerFill, end - pos);
                System.arraycopy(data, pos, header, headerFill, n);
                headerFill += n;
                pos += n;
                if (headerFill == 4) {
                    long len = ((header[0] & 0xFFL) << 24) | ((header[1] & 0xFFL) << 16) | ((header[2] & 0xFFL) << 8) | (header[3] & 0xFFL);
                    if (len < 1 || len > GuestFrames.MAX_PAYLOAD) {
                        failure = "frame length " + len + " outside 1.." + GuestFrames.MAX_PAYLOAD;
                        throw new FramingException(failure, out);
                    }
                    payload = new byte[(int) len];
                    payloadFill = 0;
                    headerFill = 0;
                }
            } else {
                int n = Math.min(payload.length - payloadFill, end - pos);
                System.arraycopy(data, pos, payload, payloadFill, n);
                payloadFill += n;
                pos += n;
                if (payloadFill == payload.length) {
                    out.add(payload);
                    payload = null;
                }
            }
        }
        return out;
    }

    /** Bytes of an unfinished frame held right now (for tests and metrics). */
    public int buffered() {
        return headerFill + (payload == null ? 0 : payloadFill);
    }
}
