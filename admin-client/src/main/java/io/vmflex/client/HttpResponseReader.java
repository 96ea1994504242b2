package io.vmflex.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads an HTTP/1.1 response from a byte stream: the head, then a body stream that removes the
 * framing (chunked, Content-Length, or until the connection closes). Not thread-safe: one reader
 * per connection.
 */
final class HttpResponseReader {

    static final int MAX_HEAD_BYTES = 64 * 1024;

    private HttpResponseReader() {
    }

    /** Reads status line and headers, skipping interim 1xx responses. */
    static HttpResponseHead readHead(InputStream in) throws IOException {
        while (true) {
            HttpResponseHead head = readOneHead(in);
            if (head.status() >= 200 || head.status() == 101) {
                return head;
            }
        }
    }

    /** The body of a response to {@code method}, with the transfer framing removed. */
    static InputStream body(HttpResponseHead head, InputStream in, String method) throws IOException {
        int status = head.status();
        if ("HEAD".equals(method) || status == 204 || status == 304) {
            return InputStream.nullInputStream();
        }
        if (head.isChunked()) {
            return new ChunkedInputStream(in);
        }
        String length = head.header("content-length");
        if (length != null) {
            try {
                return new FixedLengthInputStream(in, Long.parseLong(length.strip()));
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + length);
            }
        }
        return in; // no framing: the body ends when the server closes the connection
    }

    private static HttpResponseHead readOneHead(InputStream in) throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String statusLine = readLine(in, budget);
        if (statusLine == null) {
            throw new IOException("connection closed before a response was received");
        }
        // HTTP/1.1 200 OK
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x status line: " + printable(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status code in: " + printable(statusLine));
        }
        Map<String, String> headers = new HashMap<>();
        while (true) {
            String line = readLine(in, budget);
            if (line == null) {
                throw new IOException("connection closed inside the response headers");
            }
            if (line.isEmpty()) {
                return new HttpResponseHead(status, headers);
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line: " + printable(line));
            }
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
    }

    /**
     * Reads one CRLF (or bare LF) terminated line as ISO-8859-1; null at end of stream before any
     * byte. {@code budget[0]} limits the bytes a head may use, so a hostile peer cannot grow it.
     */
    static String readLine(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(80);
        int b;
        while ((b = in.read()) != -1) {
            if (--budget[0] < 0) {
                throw new IOException("response head longer than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        if (line.size() == 0) {
            return null;
        }
        throw new IOException("connection closed inside a line");
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
