package io.vmflex.client;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * HTTP/1.1 client of the vmmd admin API over its Unix domain socket.
 *
 * <p>Built on the JDK's blocking {@code SocketChannel} for {@code AF_UNIX} with a small request
 * writer and response reader (Content-Length, chunked, read-until-close), not on Netty: vmctl
 * makes one call per invocation and waits for it, so an event loop, its threads and the epoll
 * native library would only add start-up time and shutdown steps. A blocking channel is an
 * {@code InterruptibleChannel}, so interrupting a thread that follows a stream closes the
 * connection and ends the stream cleanly; {@link #close()} does the same from another thread.
 * Each call opens its own connection ({@code Connection: close}), so the end of a response is the
 * end of the stream.
 *
 * <p>Thread-safe: calls share no state except the set of open connections that {@link #close()}
 * closes.
 */
public final class AdminClient implements AutoCloseable {

    /** Where vmmd listens unless told otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/vmflex/vmmd.sock");

    /** Bodies larger than this are refused: the daemon keeps 1000 events and small VM objects. */
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    private final Path socket;
    private final Duration requestTimeout;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

    public AdminClient(Path socket) {
        this(socket, Duration.ofSeconds(30));
    }

    /** @param requestTimeout how long {@link #request} waits for a complete response */
    public AdminClient(Path socket, Duration requestTimeout) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    public Path socket() {
        return socket;
    }

    /**
     * Sends one request and reads the whole response. A 4xx/5xx is returned, not thrown (see
     * {@link Response#requireSuccess()}).
     *
     * @param path        the encoded path and query, e.g. {@code /v1/vms/test-vm}
     * @param contentType the body's media type; ignored when {@code body} is null
     * @param body        the request body, or null for none
     * @throws DaemonUnreachableException if the socket cannot be connected to
     * @throws BadResponseException       if the answer is not HTTP, too large, or not in time
     */
    public Response request(String method, String path, String contentType, byte[] body) {
        byte[] request = HttpRequestEncoder.encode(method, path, "application/json", contentType, body);
        SocketChannel channel = connect();
        AtomicBoolean timedOut = new AtomicBoolean();
        // A blocking AF_UNIX channel has no read timeout; closing it from a watchdog unblocks the read.
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(requestTimeout);
                timedOut.set(true);
                channel.close();
            } catch (InterruptedException | IOException done) {
                // the call finished first, or the channel is already closed
            }
        });
        try {
            writeFully(channel, request);
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024);
            HttpResponseHead head = HttpResponseReader.readHead(in);
            byte[] data = HttpResponseReader.body(head, in, method).readNBytes(MAX_BODY_BYTES + 1);
            if (data.length > MAX_BODY_BYTES) {
                throw new BadResponseException("response from vmmd at " + socket + " is larger than "
                        + MAX_BODY_BYTES + " bytes");
            }
            return new Response(head.status(), head.contentType(), data);
        } catch (AsynchronousCloseException e) {
            if (timedOut.get()) {
                throw new BadResponseException("vmmd at " + socket + " did not answer " + method + " " + path
                        + " within " + requestTimeout.toSeconds() + "s", e);
            }
            throw new BadResponseException("request to vmmd at " + socket + " was cancelled", e);
        } catch (IOException e) {
            throw new BadResponseException("bad response from vmmd at " + socket + ": " + e.getMessage(), e);
        } finally {
            watchdog.interrupt();
            closeQuietly(channel);
        }
    }

    /**
     * GETs {@code path} and hands each line of the response body to {@code lineConsumer} as it
     * arrives (chunked ndjson or text), until the server ends the response, the calling thread is
     * interrupted, or {@link #close()} is called. A final line without a newline is delivered too.
     * Returns normally in all three cases; an interrupt leaves the thread's interrupt flag set.
     *
     * @throws ServerErrorException       if the server answers 4xx/5xx
     * @throws DaemonUnreachableException if the socket cannot be connected to
     * @throws BadResponseException       if the stream is not well-formed HTTP
     */
    public void stream(String path, Consumer<String> lineConsumer) {
        byte[] request = HttpRequestEncoder.encode("GET", path, "*/*", null, null);
        SocketChannel channel = connect();
        try {
            writeFully(channel, request);
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024);
            HttpResponseHead head = HttpResponseReader.readHead(in);
            InputStream body = HttpResponseReader.body(head, in, "GET");
            if (head.status() < 200 || head.status() >= 300) {
                throw ServerErrorException.of(new Response(head.status(), head.contentType(),
                        body.readNBytes(1024 * 1024)));
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                lineConsumer.accept(line);
            }
        } catch (ClosedByInterruptException e) {
            Thread.currentThread().interrupt(); // keep the flag for the caller; the stream simply ends
        } catch (AsynchronousCloseException e) {
            // close() from another thread: the caller asked the stream to end
        } catch (IOException e) {
            throw new BadResponseException("bad stream from vmmd at " + socket + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(channel);
        }
    }

    /** Closes every connection still open, which ends any {@link #stream} in progress. */
    @Override
    public void close() {
        for (SocketChannel channel : open) {
            closeQuietly(channel);
        }
    }

    private SocketChannel connect() {
        try {
            SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            open.add(channel);
            return channel;
        } catch (IOException e) {
            throw new DaemonUnreachableException(socket, e);
        }
    }

    private static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private void closeQuietly(SocketChannel channel) {
        open.remove(channel);
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing useful to do: the call's outcome is already decided
        }
    }
}
