package io.vmflex.migration;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** Connected socket pairs and byte pumps for tests; loopback only. */
final class TestSockets {

    private TestSockets() {
    }

    static SocketChannel[] unixPair(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(p));
            SocketChannel a = SocketChannel.open(UnixDomainSocketAddress.of(p));
            SocketChannel b = server.accept();
            return new SocketChannel[] {a, b};
        } finally {
            java.nio.file.Files.deleteIfExists(p);
        }
    }

    static SocketChannel[] tcpPair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel a = SocketChannel.open(server.getLocalAddress());
            SocketChannel b = server.accept();
            return new SocketChannel[] {a, b};
        }
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Writes {@code total} pseudo-random bytes (xorshift from {@code seed}); returns their CRC32C. */
    static long writeRandom(SocketChannel ch, long total, long seed) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        CRC32C crc = new CRC32C();
        long x = seed | 1;
        long left = total;
        while (left > 0) {
            buf.clear();
            int n = (int) Math.min(buf.capacity(), left);
            for (int i = 0; i + 8 <= n; i += 8) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                buf.putLong(x);
            }
            while (buf.position() < n) {
                buf.put((byte) x);
            }
            buf.flip();
            crc.update(buf.duplicate());
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            left -= n;
        }
        return crc.getValue();
    }

    /** Reads to end of stream; returns {byte count, CRC32C}. */
    static long[] readAll(SocketChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        CRC32C crc = new CRC32C();
        long count = 0;
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                return new long[] {count, crc.getValue()};
            }
            buf.flip();
            crc.update(buf);
            count += n;
        }
    }

    static byte[] secretBytes(int fill) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }
}
