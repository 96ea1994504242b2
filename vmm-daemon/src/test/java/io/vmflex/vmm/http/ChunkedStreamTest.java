package io.vmflex.vmm.http;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.vmflex.vmm.api.AdminRoutes;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A streaming response's life against its connection, on an {@link EmbeddedChannel}: no socket. */
class ChunkedStreamTest {
    private final EventBus events = new EventBus(10);
    private final StreamStats stats = new StreamStats();

    private ApiResponse.Stream eventsWatch() {
        Route watch = new AdminRoutes(null, events, null).routes().stream()
                .filter(r -> r.method().equals("GET") && r.pattern().equals("/v1/events")).findFirst().orElseThrow();
        ApiRequest request = new ApiRequest("GET", "/v1/events", Map.of("watch", List.of("true")), null, new byte[0],
                Map.of(), new ApiRequest.PeerCredentials(1, 0, 0));
        return (ApiResponse.Stream) watch.handler().apply(request).join();
    }

    @Test
    void shouldLeaveNoWatcherWhenTheClientLeftBeforeTheWatchStarted() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.close();

        ChunkedStream.start(channel, eventsWatch(), 1024, stats);

        assertEquals(0, events.watchers());
        assertEquals(0, stats.openStreams());
    }

    @Test
    void shouldRunACleanupRegisteredAfterTheClientLeftAtOnce() {
        EmbeddedChannel channel = new EmbeddedChannel();
        AtomicReference<ApiResponse.StreamSink> sink = new AtomicReference<>();
        ChunkedStream.start(channel, new ApiResponse.Stream("text/plain", sink::set), 1024, stats);
        channel.close();
        AtomicInteger cleaned = new AtomicInteger();

        sink.get().onClose(cleaned::incrementAndGet);

        assertEquals(1, cleaned.get());
    }

    @Test
    void shouldRemoveTheWatcherOnceWhenTheClientLeaves() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ChunkedStream.start(channel, eventsWatch(), 1024, stats);
        assertEquals(1, events.watchers());
        assertEquals(1, stats.openStreams());

        channel.close();
        channel.close();

        assertEquals(0, events.watchers());
        assertEquals(0, stats.openStreams());
    }

    @Test
    void shouldSendEachEventAsAChunkAfterTheHead() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ChunkedStream.start(channel, eventsWatch(), 1024, stats);

        events.publish(VmEvent.normal("vm1", "Started", "QEMU started"));

        assertInstanceOf(HttpResponse.class, channel.readOutbound());
        HttpContent chunk = channel.readOutbound();
        String line = chunk.content().toString(StandardCharsets.UTF_8);
        chunk.release();
        assertTrue(line.contains("\"reason\":\"Started\"") && line.endsWith("\n"), line);
        assertEquals(0, stats.bufferedBytes(), "a chunk the channel took is no longer held");
    }

    @Test
    void shouldEndTheResponseAndCloseWhenTheRouteCloses() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ChunkedStream.start(channel, new ApiResponse.Stream("text/html", sink -> {
            sink.write("<html></html>");
            sink.close();
            sink.write("after the end");
        }), 1024, stats);

        assertInstanceOf(HttpResponse.class, channel.readOutbound());
        HttpContent body = channel.readOutbound();
        assertEquals("<html></html>", body.content().toString(StandardCharsets.UTF_8));
        body.release();
        assertInstanceOf(LastHttpContent.class, channel.readOutbound());
        assertNull(channel.readOutbound());
        assertFalse(channel.isOpen());
    }
}
