package io.vmflex.migration;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The decrypting direction (peer daemon → local QEMU): reads what the socket holds into a wire
 * buffer of at least one whole record, opens every complete record in it and writes each record's
 * plaintext whole before opening the next; at the end record it half-closes the output. End of
 * stream before the end record is an error (a cut connection must not pass for a finished one),
 * as is any record that fails to open ({@link RecordOpener}): the relay fails and closes both sides.
 *
 * <p>Heap buffers, allocated once (see {@link SealingPump} for why heap).
 *
 * <p>Not thread-safe: one relay thread.
 */
final class OpeningPump implements DirectionPump {

    private final SocketChannel in;
    private final SocketChannel out;
    private final RecordOpener opener;
    private final ByteBuffer wire;
    private final byte[] plain;
    private final ByteBuffer plainBuffer;

    /** @param wireBytes how much one read may take; at least one whole record */
    OpeningPump(SocketChannel in, SocketChannel out, RecordOpener opener, int wireBytes) {
        this.in = in;
        this.out = out;
        this.opener = opener;
        this.wire = ByteBuffer.allocate(Math.max(wireBytes, opener.maxRecordLength()));
        this.plain = new byte[opener.maxRecordLength()];
        this.plainBuffer = ByteBuffer.wrap(plain);
    }

    @Override
    public void run(RelayStats.Direction counters) throws IOException {
        while (true) {
            if (in.read(wire) < 0) {
                throw new RecordException("stream ended without its end record (truncated)");
            }
            wire.flip();
            int n;
            while ((n = opener.open(wire, plain, 0)) > 0) {
                plainBuffer.clear().limit(n);
                while (plainBuffer.hasRemaining()) {
                    out.write(plainBuffer);
                }
                counters.add(n);
            }
            if (n == RecordOpener.END) {
                break;
            }
            wire.compact();
        }
        out.shutdownOutput();
    }
}
