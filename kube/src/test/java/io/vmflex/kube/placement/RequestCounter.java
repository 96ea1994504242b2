package io.vmflex.kube.placement;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests one fabric8 client sends, by method and resource (names left out, a watch
 * marked as one), through the client's interceptor chain. Thread-safe.
 */
public final class RequestCounter implements Interceptor {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        counts.computeIfAbsent(request.method() + " " + resource(request.uri()), k -> new LongAdder()).increment();
    }

    /** {@code /apis/vm.neon.tech/v1/namespaces/x/virtualmachines/y/status?...} → {@code virtualmachines/status}. */
    static String resource(java.net.URI uri) {
        String[] parts = uri.getPath().split("/");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.equals("namespaces") && i + 2 < parts.length) {
                i++;
                continue;
            }
            if (p.equals("virtualmachines") || p.equals("virtualmachinemigrations") || p.equals("nodes") || p.equals("pods") || p.equals("events")
                    || p.equals("leases") || p.equals("status")) {
                out.append(out.isEmpty() ? "" : "/").append(p);
            }
        }
        String query = uri.getQuery() == null ? "" : uri.getQuery();
        return (out.isEmpty() ? uri.getPath() : out.toString()) + (query.contains("watch=true") ? " (watch)" : "");
    }

    long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d != 0) {
                out.put(k, d);
            }
        });
        return out;
    }
}
