package io.vmflex.client;

import java.io.IOException;
import java.io.InputStream;

/** A body framed by Content-Length: exactly that many bytes, then end of stream. Not thread-safe. */
final class FixedLengthInputStream extends InputStream {

    private final InputStream in;
    private long remaining;

    FixedLengthInputStream(InputStream in, long length) throws IOException {
        if (length < 0) {
            throw new IOException("negative Content-Length: " + length);
        }
        this.in = in;
        this.remaining = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n == -1) {
            throw new IOException("connection closed with " + remaining + " body bytes still expected");
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(remaining, in.available());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
