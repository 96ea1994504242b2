package io.vmflex.kube.webhook;

import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body read no further than one buffer past its cap, for the project's JDK HTTPS servers
 * (webhook, permit API), which would otherwise take whatever a caller sends. Stateless.
 */
public final class CappedBody {

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
            return null;
        }
        try (InputStream in = exchange.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (total > cap) {
                    return null;
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }
}
