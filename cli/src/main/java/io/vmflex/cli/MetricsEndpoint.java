package io.vmflex.cli;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Serves a process's Prometheus metrics over HTTP ({@code GET /metrics}) on the address
 * {@code --metrics-listen} names, plus the JVM's own (heap, GC, threads). Off unless asked for:
 * the only other port vmflex opens is the migration port.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /** @param listen {@code HOST:PORT}, e.g. {@code 127.0.0.1:9464} */
    static MetricsEndpoint start(String listen, PrometheusRegistry registry) throws IOException {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new DaemonOptions.UsageException("--metrics-listen must be HOST:PORT, e.g. 127.0.0.1:9464, got \"" + listen + "\"");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new DaemonOptions.UsageException("--metrics-listen: bad port in \"" + listen + "\"");
        }
        JvmMetrics.builder().register(registry);
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        return new MetricsEndpoint(HTTPServer.builder().inetAddress(InetAddress.getByName(host)).port(port)
                .registry(registry).buildAndStart());
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
