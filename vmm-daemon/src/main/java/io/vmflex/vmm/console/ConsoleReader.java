package io.vmflex.vmm.console;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Copies a guest's serial console from QEMU's console socket into a {@link ConsoleLog}, on one
 * virtual thread per VM. QEMU's socket chardev drops output while nobody is connected, so the
 * reader reconnects quickly after a disconnect for as long as {@code keepGoing} says so.
 *
 * <p>Not threadsafe; start it once, stop it with {@link #close()}.
 */
public final class ConsoleReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleReader.class);

    private final Path socket;
    private final ConsoleLog log;
    private final BooleanSupplier keepGoing;
    private final Consumer<GuestIncident> onIncident;
    private final GuestIncidentDetector detector = new GuestIncidentDetector();
    private volatile boolean closed;
    private volatile SocketChannel channel;
    private Thread thread;

    public ConsoleReader(Path socket, ConsoleLog log, BooleanSupplier keepGoing) {
        this(socket, log, keepGoing, incident -> { });
    }

    /** @param onIncident OOM kills and kernel panics seen in the output, on the reader's thread */
    public ConsoleReader(Path socket, ConsoleLog log, BooleanSupplier keepGoing, Consumer<GuestIncident> onIncident) {
        this.socket = socket;
        this.log = log;
        this.keepGoing = keepGoing;
        this.onIncident = onIncident;
    }

    public void start(String vmName) {
        thread = Thread.ofVirtual().name("console-" + vmName).start(this::run);
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        while (!closed && keepGoing.getAsBoolean()) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                channel = ch;
                while (!closed) {
                    buf.clear();
                    int n = ch.read(buf);
                    if (n < 0) {
                        break;
                    }
                    log.append(buf.array(), 0, n);
                    detector.feed(buf.array(), 0, n).forEach(onIncident);
                }
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("console socket {} not readable: {}", socket, e.toString());
                }
            }
            channel = null;
            sleepQuietly(100);
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        SocketChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing only to unblock the reader
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
