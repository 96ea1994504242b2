package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A deliberately plain HTTP/1.1 client for tests: one request per connection
 * ({@code Connection: close}), response read to EOF. Independent of the daemon's Netty stack so
 * the tests check the wire, not our own codec against itself.
 */
public final class UnixHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path socket;

    public UnixHttp(Path socket) {
        this.socket = socket;
    }

    public record Response(int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    public Response get(String path) throws IOException {
        return send("GET", path, null, null);
    }

    public Response send(String method, String path, String contentType, String body) throws IOException {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: vmmd\r\nConnection: close\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
        return raw(concat(head.toString().getBytes(StandardCharsets.US_ASCII), payload));
    }

    /** Sends bytes as they are and parses whatever comes back. */
    public Response raw(byte[] request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(request);
            try {
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (IOException e) {
                // The server may answer (413) and close before reading all of a large body;
                // what it answered is still readable.
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (ch.read(in) >= 0) {
                all.write(in.array(), 0, in.position());
                in.clear();
            }
            return parse(all.toString(StandardCharsets.UTF_8));
        }
    }

    private static Response parse(String text) {
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            throw new AssertionError("no HTTP response: " + text);
        }
        String[] lines = text.substring(0, headEnd).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        String ct = null;
        boolean chunked = false;
        for (String l : lines) {
            String lower = l.toLowerCase();
            if (lower.startsWith("content-type:")) {
                ct = l.substring(13).trim();
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        String body = text.substring(headEnd + 4);
        return new Response(status, ct, chunked ? dechunk(body) : body);
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int pos = 0;
        while (pos < body.length()) {
            int eol = body.indexOf("\r\n", pos);
            int len = Integer.parseInt(body.substring(pos, eol).trim(), 16);
            if (len == 0) {
                break;
            }
            out.append(body, eol + 2, eol + 2 + len);
            pos = eol + 2 + len + 2;
        }
        return out.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
