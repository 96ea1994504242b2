package io.vmflex.migration;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.agrona.BufferUtil;

/**
 * The plain direction: read into one page-aligned direct buffer, write it all, repeat. A direct
 * buffer lets the JDK pass the memory straight to {@code read(2)}/{@code write(2)} (a heap array
 * would be copied through a temporary direct buffer on every call).
 *
 * <p>Not thread-safe: one relay thread.
 */
final class CopyPump implements DirectionPump {

    private final SocketChannel in;
    private final SocketChannel out;
    private final ByteBuffer buffer;

    CopyPump(SocketChannel in, SocketChannel out, int bufferBytes) {
        this.in = in;
        this.out = out;
        this.buffer = BufferUtil.allocateDirectAligned(bufferBytes, 4096);
    }

    @Override
    public void run(RelayStats.Direction counters) throws IOException {
        while (true) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            buffer.clear();
            counters.add(n);
        }
        out.shutdownOutput();
    }
}
