package io.vmflex.sys.netlink;

import io.vmflex.sys.Errno;
import io.vmflex.sys.NativeException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.vmflex.sys.netlink.NetlinkLayouts.*;

/**
 * Request and reply over one {@link NetlinkSocket}: each request gets a fresh sequence number and
 * its call waits for the kernel's reply to that number. A non-zero {@code NLMSG_ERROR} becomes a
 * {@link NativeException} whose call names the operation, with the kernel's extended-ack text in
 * parentheses when it sent one; replies with another sequence number (left over from a request
 * that timed out) are skipped; a reply that does not parse is {@code EIO}.
 *
 * <p>Not thread-safe: {@link RtNetlink} serialises all use.
 */
final class NetlinkExchange implements AutoCloseable {

    private static final int REPLY_TIMEOUT_MS = 5_000;

    private final NetlinkSocket socket;
    private int sequence;

    NetlinkExchange(NetlinkSocket socket) {
        this.socket = socket;
    }

    @FunctionalInterface
    interface Decoder<T> {
        T decode(NetlinkReply.Message message);
    }

    /**
     * Sends {@code request} and collects the decoded data messages of its reply: up to
     * {@code NLMSG_DONE} for a dump, else up to the acknowledgement or the first data message.
     */
    <T> List<T> exchange(String operation, NetlinkRequest request, boolean dump, Decoder<T> decoder)
            throws NativeException {
        int expected = ++sequence;
        socket.send(operation, request.finish(expected));
        List<T> results = new ArrayList<>();
        while (true) {
            MemorySegment datagram = socket.receive(operation, REPLY_TIMEOUT_MS);
            try {
                for (NetlinkReply.Message message : NetlinkReply.split(datagram)) {
                    if (message.sequence() != expected) {
                        continue; // a late reply to an earlier request that timed out
                    }
                    switch (message.type()) {
                        case NLMSG_ERROR -> {
                            NetlinkReply.Error error = NetlinkReply.error(message);
                            if (error.errno() != 0) {
                                throw new NativeException(operation
                                        + error.kernelMessage().map(text -> " (kernel: " + text + ")").orElse(""),
                                        error.errno());
                            }
                            return results;
                        }
                        case NLMSG_DONE -> {
                            return results;
                        }
                        case NLMSG_OVERRUN -> throw new NativeException(operation + ": netlink overrun", Errno.EIO);
                        default -> {
                            T decoded = decoder.decode(message);
                            if (decoded != null) {
                                results.add(decoded);
                            }
                            if (!dump && (message.flags() & NLM_F_MULTI) == 0) {
                                return results;
                            }
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new NativeException(operation + ": " + e.getMessage(), Errno.EIO);
            }
        }
    }

    @Override
    public void close() throws NativeException {
        socket.close();
    }
}
