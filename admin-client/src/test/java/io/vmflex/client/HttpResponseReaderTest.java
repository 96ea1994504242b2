package io.vmflex.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpResponseReaderTest {

    /** Hands out one byte per read, as a slow socket might: framing must not depend on read sizes. */
    private static InputStream trickle(String raw) {
        ByteArrayInputStream bytes = new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8));
        return new InputStream() {
            @Override
            public int read() {
                return bytes.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len == 0 ? 0 : bytes.read(b, off, 1);
            }
        };
    }

    private static String readAll(String raw, String method) throws IOException {
        InputStream in = trickle(raw);
        HttpResponseHead head = HttpResponseReader.readHead(in);
        return new String(HttpResponseReader.body(head, in, method).readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldReadBodyByContentLengthWhenPresent() throws IOException {
        InputStream in = trickle("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}TRAILING");
        HttpResponseHead head = HttpResponseReader.readHead(in);
        assertEquals(201, head.status());
        assertEquals("application/json", head.contentType());
        assertArrayEquals("{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                HttpResponseReader.body(head, in, "PUT").readAllBytes());
    }

    @Test
    void shouldDecodeChunksWithExtensionsAndTrailersWhenChunked() throws IOException {
        String raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=x\r\nhello\r\n1\r\n \r\nA\r\nworld\nline\r\n0\r\nX-Trailer: y\r\n\r\n";
        assertEquals("hello world\nline", readAll(raw, "GET"));
    }

    @Test
    void shouldReadUntilCloseWhenNoFraming() throws IOException {
        assertEquals("all of it", readAll("HTTP/1.1 200 OK\r\n\r\nall of it", "GET"));
    }

    @Test
    void shouldSkipInterimResponseWhen100ContinueComesFirst() throws IOException {
        assertEquals("ok", readAll("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "GET"));
    }

    @Test
    void shouldReturnNoBodyWhenStatusIs204() throws IOException {
        assertEquals("", readAll("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", "DELETE"));
    }

    @Test
    void shouldFailWhenConnectionClosesInsideAChunk() {
        String raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort";
        IOException e = assertThrows(IOException.class, () -> readAll(raw, "GET"));
        assertTrue(e.getMessage().contains("inside a chunk"), e.getMessage());
    }

    @Test
    void shouldFailWhenContentLengthIsNotMet() {
        IOException e = assertThrows(IOException.class,
                () -> readAll("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "GET"));
        assertTrue(e.getMessage().contains("7 body bytes still expected"), e.getMessage());
    }

    @Test
    void shouldRejectWhenStatusLineIsNotHttp() {
        IOException e = assertThrows(IOException.class, () -> readAll("SSH-2.0-OpenSSH\r\n\r\n", "GET"));
        assertTrue(e.getMessage().startsWith("not an HTTP/1.x status line"), e.getMessage());
    }

    @Test
    void shouldRejectWhenHeadIsEndless() {
        String raw = "HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(20_000);
        IOException e = assertThrows(IOException.class, () -> readAll(raw, "GET"));
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }

    @Test
    void shouldRejectWhenChunkSizeIsNotHex() {
        String raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assertThrows(IOException.class, () -> readAll(raw, "GET"));
    }
}
