package io.vmflex.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double for vmmd: a real Unix socket that records each request and answers from canned
 * routes ({@code "GET /v1/vms"} → responder). Unknown routes get vmmd's 404 error shape. One
 * connection at a time, on its own thread; the recorded list is safe to read from the test.
 */
public final class FakeDaemon implements AutoCloseable {

    /** A request as the daemon received it. */
    public record Recorded(String method, String path, Map<String, String> headers, byte[] body) {
        public String contentType() {
            return headers.get("content-type");
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Writes a complete raw response for a request. */
    @FunctionalInterface
    public interface Responder {
        void respond(Recorded request, OutputStream out) throws IOException, InterruptedException;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Map<String, Responder> routes = new ConcurrentHashMap<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final Thread thread;

    public FakeDaemon(Path dir) throws IOException {
        this.socket = dir.resolve("vmmd.sock");
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.thread = Thread.ofPlatform().daemon().name("fake-vmmd").start(this::serve);
    }

    public Path socket() {
        return socket;
    }

    public FakeDaemon on(String methodAndPath, Responder responder) {
        routes.put(methodAndPath, responder);
        return this;
    }

    public FakeDaemon onJson(String methodAndPath, int status, String json) {
        return on(methodAndPath, (req, out) -> out.write(fixed(status, "application/json", json)));
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public Recorded onlyRequest() {
        if (requests.size() != 1) {
            throw new AssertionError("expected one request, got " + requests.size() + ": " + requests);
        }
        return requests.getFirst();
    }

    /** A full response with Content-Length. */
    public static byte[] fixed(int status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    public static byte[] chunkedHead(int status, String contentType) {
        return ("HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType
                + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] chunk(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    public static byte[] lastChunk() {
        return "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    public static String error(int code, String message) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message.replace("\"", "\\\"") + "\"}}";
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel channel = server.accept()) {
                InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
                OutputStream out = Channels.newOutputStream(channel);
                Recorded request = read(in);
                requests.add(request);
                Responder responder = routes.get(request.method() + " " + request.path());
                if (responder == null) {
                    out.write(fixed(404, "application/json", error(404, "no route " + request.path())));
                } else {
                    responder.respond(request, out);
                }
                out.flush();
            } catch (IOException e) {
                // server closed, or the client went away mid-response: both are normal in tests
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Recorded read(InputStream in) throws IOException {
        String requestLine = line(in);
        String[] parts = requestLine.split(" ");
        Map<String, String> headers = new HashMap<>();
        String header;
        while (!(header = line(in)).isEmpty()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        return new Recorded(parts[0], parts[1], headers, in.readNBytes(length));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b == -1) {
                throw new IOException("eof");
            }
            if (b != '\r') {
                s.append((char) b);
            }
        }
        return s.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
        Files.deleteIfExists(socket);
    }
}
