package io.vmflex.monitor;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Opens the guest end of the channel. In a VM it is the virtio-serial port's character device;
 * for tests and host-side trials a Unix socket ({@code unix:/path}) stands in for it.
 *
 * <p>The device is NOT a {@link java.nio.channels.FileChannel}: its relative read and write share
 * one position lock, so the ticker's write would wait for the channel thread's blocking read,
 * i.e. for the host to say something. A read stream and a write stream on one descriptor have no
 * common lock. Caveat: a write blocks while the host end is closed (virtio ports do that); such a
 * writer keeps the port open after the channel thread closed it, so reopening fails (busy) until
 * the host returns and the write completes; the channel thread keeps retrying meanwhile.
 */
@FunctionalInterface
public interface ChannelOpener {
    ByteChannel open() throws IOException;

    /** {@code unix:/path} connects to a Unix socket; anything else is a device (or file) path. */
    static ChannelOpener of(String spec) {
        if (spec.startsWith("unix:")) {
            return new UnixSocket(Path.of(spec.substring(5)));
        }
        return new Device(Path.of(spec));
    }

    // Named classes rather than lambdas: in the guest's interpreted JVM a lambda's first call spins
    // a hidden class through java.lang.invoke (hundreds of classes, metaspace, seconds under TCG).

    /** Connects to a Unix socket (host-side trials, tests). */
    record UnixSocket(Path path) implements ChannelOpener {
        @Override
        public ByteChannel open() throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
                return ch;
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        }
    }

    /** Opens a character device (the virtio port) read-write. */
    record Device(Path path) implements ChannelOpener {
        @Override
        public ByteChannel open() throws IOException {
            return new DevicePort(new RandomAccessFile(path.toFile(), "rw"));
        }
    }

    /** A read/write character device as a ByteChannel without a lock shared by both directions. */
    final class DevicePort implements ByteChannel {
        private final RandomAccessFile file;
        private final FileInputStream in;
        private final FileOutputStream out;
        private volatile boolean open = true;

        DevicePort(RandomAccessFile file) throws IOException {
            this.file = file;
            this.in = new FileInputStream(file.getFD());
            this.out = new FileOutputStream(file.getFD());
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            out.write(src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            open = false;
            file.close();
        }
    }
}
