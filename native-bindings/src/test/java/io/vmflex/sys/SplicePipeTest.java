package io.vmflex.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** splice(2) between JDK socket channels through a {@link SplicePipe}; needs sun.nio.ch exported (pom argLine). */
class SplicePipeTest {

    @TempDir
    Path dir;

    private SocketChannel[] unixPair(String name) throws Exception {
        Path p = dir.resolve(name);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(p));
            SocketChannel a = SocketChannel.open(UnixDomainSocketAddress.of(p));
            return new SocketChannel[] {a, server.accept()};
        }
    }

    private static int fd(SocketChannel ch) {
        OptionalInt fd = ChannelFds.fdOf(ch);
        assertTrue(fd.isPresent(), () -> "no fd: " + ChannelFds.unavailableReason());
        return fd.getAsInt();
    }

    @Test
    void shouldKnowTheDescriptorOfAnOpenSocketChannelAndNotOfAClosedOne() throws Exception {
        assertNull(ChannelFds.unavailableReason());
        SocketChannel[] pair = unixPair("fd.sock");
        int a = fd(pair[0]);
        int b = fd(pair[1]);
        assertTrue(a >= 0 && b >= 0 && a != b);
        pair[0].close();
        assertFalse(ChannelFds.fdOf(pair[0]).isPresent());
        pair[1].close();
    }

    @Test
    void shouldMoveEveryByteInOrderAndSeeEndOfStreamWhenSplicingSocketToSocket() throws Exception {
        SocketChannel[] in = unixPair("in.sock");
        SocketChannel[] out = unixPair("out.sock");
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + (i >>> 12));
        }
        // Own threads, not the common pool: on 2 cores it has one worker, and writer and reader must
        // run at the same time.
        CompletableFuture<Void> writer = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    in[0].write(b);
                }
                in[0].shutdownOutput();
                writer.complete(null);
            } catch (Exception e) {
                writer.completeExceptionally(e);
            }
        });
        CompletableFuture<byte[]> reader = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(data.length + 1);
                while (out[1].read(b) >= 0 && b.hasRemaining()) {
                    // until end of stream (or one byte too many)
                }
                reader.complete(java.util.Arrays.copyOf(b.array(), b.position()));
            } catch (Exception e) {
                reader.completeExceptionally(e);
            }
        });
        long moved = 0;
        try (SplicePipe pipe = SplicePipe.open(1 << 20)) {
            assertEquals(1 << 20, pipe.capacity());
            int from = fd(in[1]);
            int to = fd(out[0]);
            SplicePipe.setBlocking(from);
            SplicePipe.setBlocking(to);
            long n;
            while ((n = pipe.fill(from, pipe.capacity(), SplicePipe.SPLICE_F_MOVE)) > 0) {
                for (long left = n; left > 0; ) {
                    left -= pipe.drain(to, left, SplicePipe.SPLICE_F_MOVE);
                }
                moved += n;
            }
            out[0].shutdownOutput();
        }
        writer.get(10, TimeUnit.SECONDS);
        assertEquals(data.length, moved);
        assertArrayEquals(data, reader.get(10, TimeUnit.SECONDS));
        for (SocketChannel c : new SocketChannel[] {in[0], in[1], out[0], out[1]}) {
            c.close();
        }
    }

    @Test
    void shouldWakeABlockedFillWithEndOfStreamWhenTheSocketIsShutDown() throws Exception {
        SocketChannel[] in = unixPair("idle.sock");
        try (SplicePipe pipe = SplicePipe.open(64 * 1024)) {
            int from = fd(in[1]);
            CompletableFuture<Long> blocked = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    blocked.complete(pipe.fill(from, pipe.capacity(), 0));
                } catch (NativeException e) {
                    blocked.completeExceptionally(e);
                }
            });
            Thread.sleep(100);
            assertFalse(blocked.isDone(), "fill waits for data");
            in[1].shutdownInput();
            assertEquals(0L, blocked.get(5, TimeUnit.SECONDS));
        }
        in[0].close();
        in[1].close();
    }

    @Test
    void shouldThrowWithErrnoWhenTheDescriptorIsNotASocketOrPipe() throws Exception {
        try (SplicePipe pipe = SplicePipe.open(64 * 1024)) {
            NativeException e = assertThrows(NativeException.class, () -> pipe.fill(-1, 4096, 0));
            assertEquals(Errno.EBADF, e.errno());
            assertNotNull(e.getMessage());
        }
    }
}
