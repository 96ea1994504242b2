package io.vmflex.migration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Typed ends of the control path: the target serves {@link ControlRequest}s through a
 * {@link Service}; the source sends one and gets the {@link ControlReply}. Both go through
 * {@link ControlCodec}, so what one side writes the other reads by the same rules.
 *
 * <p>Stateless, thread-safe.
 */
public final class ControlChannel {

    /** The target daemon's side; runs on the connection's own thread. */
    @FunctionalInterface
    public interface Service {
        /** The answer; an exception becomes {@link ControlReply.Refused} with its message. */
        ControlReply handle(ControlRequest request) throws Exception;
    }

    private ControlChannel() {
    }

    /** A {@link MigrationControl.Handler} that decodes, asks {@code service} and encodes its reply. */
    public static MigrationControl.Handler serving(Service service) {
        return text -> {
            ControlReply reply;
            try {
                reply = service.handle(ControlCodec.decodeRequest(text));
            } catch (ControlCodec.ControlProtocolException e) {
                reply = new ControlReply.Refused("bad request: " + e.getMessage());
            } catch (Exception e) {
                reply = new ControlReply.Refused(e.getMessage() == null ? e.toString() : e.getMessage());
            }
            return ControlCodec.encode(reply);
        };
    }

    /** Connects, authenticates, sends {@code request} and reads the typed reply. */
    public static ControlReply call(InetSocketAddress target, ClusterSecret secret, ControlRequest request,
            Duration timeout, RelayOptions options) throws IOException {
        return ControlCodec.decodeReply(MigrationControl.call(target, secret, ControlCodec.encode(request), timeout, options));
    }

    /** Sends {@code request} over a connection opened ahead ({@link MigrationControl.Connection#open}). */
    public static ControlReply call(MigrationControl.Connection connection, ControlRequest request, Duration timeout)
            throws IOException {
        return ControlCodec.decodeReply(connection.call(ControlCodec.encode(request), timeout));
    }
}
