package io.vmflex.cli.systemd;

import io.vmflex.sys.NativeException;
import io.vmflex.sys.UnixDatagramSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * sd_notify(3) without libsystemd: each state ({@code READY=1}, {@code WATCHDOG=1},
 * {@code STOPPING=1}, {@code STATUS=...}) is one datagram to {@code NOTIFY_SOCKET}, through
 * native-bindings' {@link UnixDatagramSocket}. Without {@code NOTIFY_SOCKET} it sends nothing.
 *
 * <p>A failed send is logged (the first one as a warning, later ones at debug) and otherwise
 * ignored: systemd reacts to missing notifications itself (start timeout, watchdog), and the
 * daemon must not stop serving its VMs because its supervisor went away.
 *
 * <p>Thread-safe.
 */
public final class SystemdNotifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    private final String address;
    private final UnixDatagramSocket socket;
    private final AtomicBoolean warned = new AtomicBoolean();

    private SystemdNotifier(String address, UnixDatagramSocket socket) {
        this.address = address;
        this.socket = socket;
    }

    /** A notifier for {@code environment}'s socket, or one that sends nothing when there is none. */
    public static SystemdNotifier open(SystemdEnvironment environment) {
        if (environment.notifySocket().isEmpty()) {
            return new SystemdNotifier(null, null);
        }
        String address = environment.notifySocket().get();
        try {
            return new SystemdNotifier(address, UnixDatagramSocket.open());
        } catch (NativeException e) {
            LOG.warn("cannot notify systemd at {}: {}", address, e.getMessage());
            return new SystemdNotifier(null, null);
        }
    }

    /** Whether notifications go anywhere. */
    public boolean enabled() {
        return socket != null;
    }

    /**
     * Sends {@code state} (newline-separated {@code KEY=VALUE} lines) as one datagram.
     *
     * @return whether it was sent
     */
    public boolean send(String state) {
        if (socket == null) {
            return false;
        }
        try {
            socket.sendTo(address, state.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (NativeException | IllegalArgumentException | IllegalStateException e) {
            if (warned.compareAndSet(false, true)) {
                LOG.warn("cannot notify systemd at {}: {}", address, e.getMessage());
            } else {
                LOG.debug("cannot notify systemd at {}: {}", address, e.getMessage());
            }
            return false;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (NativeException e) {
                LOG.debug("closing the notify socket: {}", e.getMessage());
            }
        }
    }
}
