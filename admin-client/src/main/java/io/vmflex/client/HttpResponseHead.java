package io.vmflex.client;

import java.util.Locale;
import java.util.Map;

/**
 * Status line and headers of one HTTP response.
 *
 * @param status  the status code
 * @param headers header values by lower-case name (a repeated header keeps its last value)
 */
record HttpResponseHead(int status, Map<String, String> headers) {

    HttpResponseHead {
        headers = Map.copyOf(headers);
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String contentType() {
        return header("content-type");
    }

    boolean isChunked() {
        String te = header("transfer-encoding");
        return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
    }
}
