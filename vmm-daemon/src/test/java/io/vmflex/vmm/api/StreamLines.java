package io.vmflex.vmm.api;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client of one of the admin API's streams: sends a GET and collects the lines of the chunked
 * answer as they arrive, on a thread of its own, until the server ends the stream or
 * {@link #close} does. Plain JDK, independent of the daemon's Netty stack.
 */
final class StreamLines implements AutoCloseable {
    private final SocketChannel channel;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean ended;

    private StreamLines(SocketChannel channel) {
        this.channel = channel;
        this.reader = Thread.ofVirtual().name("stream-lines").start(this::read);
    }

    static StreamLines get(Path socket, String path) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ByteBuffer out = ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: vmmd\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            ch.write(out);
        }
        return new StreamLines(ch);
    }

    /** The complete lines received so far. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    /** Whether the server ended the stream (or the connection). */
    boolean ended() {
        return ended;
    }

    private void read() {
        StringBuilder raw = new StringBuilder();
        StringBuilder body = new StringBuilder();
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        int pos = -1;
        try {
            while (channel.read(in) >= 0) {
                raw.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
                in.clear();
                if (pos < 0) {
                    int head = raw.indexOf("\r\n\r\n");
                    if (head < 0) {
                        continue;
                    }
                    pos = head + 4;
                }
                // Whole chunks only: a chunk may arrive in pieces.
                boolean last = false;
                while (true) {
                    int eol = raw.indexOf("\r\n", pos);
                    if (eol < 0) {
                        break;
                    }
                    int len = Integer.parseInt(raw.substring(pos, eol).trim(), 16);
                    if (len == 0) {
                        last = true;
                        break;
                    }
                    if (raw.length() < eol + 2 + len + 2) {
                        break;
                    }
                    body.append(raw, eol + 2, eol + 2 + len);
                    pos = eol + 2 + len + 2;
                }
                raw.delete(0, pos);
                pos = 0;
                int nl;
                while ((nl = body.indexOf("\n")) >= 0) {
                    lines.add(new String(body.substring(0, nl).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
                    body.delete(0, nl + 1);
                }
                if (last) {
                    return;
                }
            }
        } catch (IOException e) {
            // closed by close(), or by the server
        } finally {
            ended = true;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        reader.interrupt();
    }
}
