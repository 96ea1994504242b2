package io.vmflex.kube.webhook;

import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body read no further than one buffer past its cap, for the project's JDK HTTPS servers
 * (webhook, permit API), which would otherwise take whatever a caller sends. A body over the cap is
 * still read and dropped up to {@link #DRAIN_BEYOND_CAP} past the cap, so that the caller, still
 * sending, gets the refusal instead of a connection reset under it; beyond that the connection is
 * dropped. Stateless.
 */
public final class CappedBody {

    /** How far past the cap an over-cap body is read and dropped before answering. */
    static final long DRAIN_BEYOND_CAP = 4L * 1024 * 1024;

    private CappedBody() {
    }

    /**
     * The body, or null when its Content-Length or its bytes pass {@code cap}.
     *
     * @throws NumberFormatException when Content-Length is not a number
     */
    public static byte[] read(HttpExchange exchange, int cap) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && Long.parseLong(length.strip()) > cap) {
            try (InputStream in = exchange.getRequestBody()) {
                drop(in, cap + DRAIN_BEYOND_CAP);
            }
            return null;
        }
        try (InputStream in = exchange.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total > cap) {
                    drop(in, cap + DRAIN_BEYOND_CAP - total);
                    return null;
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    private static void drop(InputStream in, long atMost) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        long left = atMost;
        for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0; ) {
            left -= n;
        }
    }
}
