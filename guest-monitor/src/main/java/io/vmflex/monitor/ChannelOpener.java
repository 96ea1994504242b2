package io.vmflex.monitor;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens the guest end of the channel. In a VM it is the virtio-serial port's character device;
 * for tests and host-side trials a Unix socket ({@code unix:/path}) stands in for it.
 *
 * <p>The device is opened as a {@link FileChannel} on purpose: it is interruptible, so closing it
 * from the reader thread wakes a writer blocked because the host went away (a virtio port's
 * write blocks while the host end is closed), which a plain stream would leave stuck, keeping
 * the port busy so it could not be reopened.
 */
@FunctionalInterface
public interface ChannelOpener {
    ByteChannel open() throws IOException;

    /** {@code unix:/path} connects to a Unix socket; anything else is a device (or file) path. */
    static ChannelOpener of(String spec) {
        if (spec.startsWith("unix:")) {
            Path p = Path.of(spec.substring(5));
            return () -> {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(p));
                    return ch;
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
            };
        }
        Path p = Path.of(spec);
        return () -> FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
}
