package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Asks a QEMU for its run state over its QMP socket, without a daemon: for tests that look at a VM
 * while its vmmd is down. Blocking and minimal (one command, events skipped).
 */
final class QmpProbe {
    private QmpProbe() {
    }

    /** QEMU's {@code query-status} status, e.g. "running", "paused", "postmigrate". */
    static String status(Path qmpSocket) throws IOException {
        return execute(qmpSocket, "query-status").path("status").asText();
    }

    /** Runs one argument-less QMP command; returns its {@code return} value. */
    static JsonNode execute(Path qmpSocket, String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(qmpSocket));
            var in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            var out = Channels.newOutputStream(ch);
            in.readLine(); // greeting
            out.write(("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"" + command + "\",\"id\":1}\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode msg = ApiMapper.json().readTree(line);
                if (msg.path("id").asInt(0) == 1) {
                    if (!msg.has("return")) {
                        throw new IOException(command + " failed: " + msg);
                    }
                    return msg.get("return");
                }
            }
            throw new IOException("QMP at " + qmpSocket + " closed before answering " + command);
        }
    }
}
