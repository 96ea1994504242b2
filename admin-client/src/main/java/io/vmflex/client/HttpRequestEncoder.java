package io.vmflex.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes an HTTP/1.1 request to bytes. Every request says {@code Connection: close}: vmctl sends
 * one request per connection, so the end of the response is also the end of the stream and no
 * keep-alive bookkeeping is needed. Stateless; safe from any thread.
 */
final class HttpRequestEncoder {

    private HttpRequestEncoder() {
    }

    static byte[] encode(String method, String path, String accept, String contentType, byte[] body) {
        requireToken(method);
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new IllegalArgumentException("request path must be an encoded absolute path: " + path);
        }
        StringBuilder head = new StringBuilder(160)
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("User-Agent: vmctl\r\n")
                .append("Accept: ").append(accept).append("\r\n")
                .append("Connection: close\r\n");
        if (body != null) {
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length() + (body == null ? 0 : body.length));
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static void requireToken(String method) {
        if (method.isEmpty() || !method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new IllegalArgumentException("bad HTTP method: " + method);
        }
    }
}
