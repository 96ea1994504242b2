package io.vmflex.client;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes an HTTP/1.1 chunked body: {@code <hex size>[;ext]CRLF <data> CRLF ... 0 CRLF
 * [trailers] CRLF}. Returns the data of each chunk as soon as it arrives, which is what makes a
 * watch or follow stream show lines promptly. Not thread-safe.
 */
final class ChunkedInputStream extends InputStream {

    private static final int MAX_LINE = 4096;

    private final InputStream in;
    private long remaining; // bytes left in the current chunk
    private boolean done;

    ChunkedInputStream(InputStream in) {
        this.in = in;
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
        if (done || (remaining == 0 && !nextChunk())) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n == -1) {
            throw new IOException("connection closed inside a chunk");
        }
        remaining -= n;
        if (remaining == 0) {
            expectCrlf();
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return done ? 0 : (int) Math.min(remaining, in.available());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads the next chunk's size line; false (and trailers consumed) at the last chunk. */
    private boolean nextChunk() throws IOException {
        String line = HttpResponseReader.readLine(in, new int[] {MAX_LINE});
        if (line == null) {
            throw new IOException("connection closed before the last chunk");
        }
        int semicolon = line.indexOf(';');
        String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).strip();
        long size;
        try {
            size = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size line: " + hex);
        }
        if (size < 0) {
            throw new IOException("negative chunk size: " + hex);
        }
        if (size == 0) {
            skipTrailers();
            done = true;
            return false;
        }
        remaining = size;
        return true;
    }

    private void expectCrlf() throws IOException {
        String line = HttpResponseReader.readLine(in, new int[] {MAX_LINE});
        if (line == null || !line.isEmpty()) {
            throw new IOException("chunk data not followed by CRLF");
        }
    }

    private void skipTrailers() throws IOException {
        int[] budget = {HttpResponseReader.MAX_HEAD_BYTES};
        String line;
        do {
            line = HttpResponseReader.readLine(in, budget);
        } while (line != null && !line.isEmpty());
    }
}
