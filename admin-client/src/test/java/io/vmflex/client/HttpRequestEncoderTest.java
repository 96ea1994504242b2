package io.vmflex.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpRequestEncoderTest {

    @Test
    void shouldWriteHeadersAndBodyWhenBodyGiven() {
        byte[] bytes = HttpRequestEncoder.encode("PUT", "/v1/vms/a", "application/json", "application/json",
                "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals("PUT /v1/vms/a HTTP/1.1\r\nHost: localhost\r\nUser-Agent: vmctl\r\nAccept: application/json\r\n"
                + "Connection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void shouldOmitContentHeadersWhenNoBody() {
        String text = new String(HttpRequestEncoder.encode("GET", "/v1/node", "*/*", "ignored", null),
                StandardCharsets.US_ASCII);
        assertEquals("GET /v1/node HTTP/1.1\r\nHost: localhost\r\nUser-Agent: vmctl\r\nAccept: */*\r\n"
                + "Connection: close\r\n\r\n", text);
    }

    @Test
    void shouldRefuseWhenPathWouldSplitTheRequestLine() {
        assertThrows(IllegalArgumentException.class,
                () -> HttpRequestEncoder.encode("GET", "/v1/vms/a b\r\nX: y", "*/*", null, null));
    }

    @Test
    void shouldEncodeSpacesAsPercentWhenBuildingPaths() {
        assertEquals("/v1/vms/a%20b%2Fc", ApiPaths.vm("a b/c"));
    }
}
