package io.vmflex.migration;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The encrypting direction (local QEMU → peer daemon): each read of up to
 * {@link RecordLayout#MAX_DATA_PLAINTEXT} bytes becomes one sealed record, written whole before the
 * next read (so backpressure stays what it is without encryption); end of stream becomes the end
 * record, then the output is half-closed.
 *
 * <p>Heap buffers, allocated once: the JDK's GCM intrinsic works on arrays in one call; the socket
 * I/O then goes through the JDK's per-thread cached direct buffer (a copy, no allocation).
 *
 * <p>Not thread-safe: one relay thread.
 */
final class SealingPump implements DirectionPump {

    private final SocketChannel in;
    private final SocketChannel out;
    private final RecordSealer sealer;
    private final byte[] plain;
    private final ByteBuffer plainBuffer;
    private final byte[] wire;
    private final ByteBuffer wireBuffer;

    SealingPump(SocketChannel in, SocketChannel out, RecordSealer sealer) {
        this.in = in;
        this.out = out;
        this.sealer = sealer;
        this.plain = new byte[sealer.maxPlaintext()];
        this.plainBuffer = ByteBuffer.wrap(plain);
        this.wire = new byte[sealer.maxPlaintext() + RecordLayout.OVERHEAD];
        this.wireBuffer = ByteBuffer.wrap(wire);
    }

    @Override
    public void run(RelayStats.Direction counters) throws IOException {
        while (true) {
            plainBuffer.clear();
            int n = in.read(plainBuffer);
            if (n < 0) {
                break;
            }
            if (n == 0) {
                continue;
            }
            writeRecord(n);
            counters.add(n);
        }
        writeRecord(0);
        out.shutdownOutput();
    }

    private void writeRecord(int plaintextLength) throws IOException {
        int length = sealer.seal(plain, 0, plaintextLength, wire, 0);
        wireBuffer.clear().limit(length);
        while (wireBuffer.hasRemaining()) {
            out.write(wireBuffer);
        }
    }
}
