package io.vmflex.vmm.http;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;

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
     * goes away. A client that falls too far behind is dropped (the server holds a bounded amount
     * for each stream); its last line is {@code lastLine} applied to the reason, in the stream's
     * own format.
     */
    record Stream(String contentType, Consumer<StreamSink> start, UnaryOperator<String> lastLine) implements ApiResponse {
        /** A stream whose last line, if it is dropped, is the reason in brackets on a line of its own. */
        public Stream(String contentType, Consumer<StreamSink> start) {
            this(contentType, start, why -> "\n[" + why + "]\n");
        }
    }

    /**
     * Where a streaming route writes. Thread-safe; writes after the client left, or after it was
     * dropped for falling behind, are dropped.
     */
    interface StreamSink {
        void write(String chunk);

        /** Runs {@code cleanup} once when the client is gone; at once if it is gone already. */
        void onClose(Runnable cleanup);

        /** Ends the response and closes the connection once the client has it all. */
        void close();
    }
}
