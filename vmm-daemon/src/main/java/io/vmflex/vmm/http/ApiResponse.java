package io.vmflex.vmm.http;

import java.util.function.Consumer;

/** What a route answers: a whole body, or a stream that stays open (watch, follow). */
public sealed interface ApiResponse {
    /** A JSON document, serialised by the server. */
    record Json(int status, Object body) implements ApiResponse {
    }

    record Text(int status, String body) implements ApiResponse {
    }

    /**
     * A chunked response. {@code start} is called once the headers are sent; it gets a sink to
     * write chunks to, and registers with {@link StreamSink#onClose} what to undo when the client
     * goes away.
     */
    record Stream(String contentType, Consumer<StreamSink> start) implements ApiResponse {
    }

    /** Where a streaming route writes. Thread-safe; writes after the client left are dropped. */
    interface StreamSink {
        void write(String chunk);

        void onClose(Runnable cleanup);

        void close();
    }
}
