package io.vmflex.kube.permit;

import io.vmflex.api.permit.PermitOutcome;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the permit server answered, counted by result: each permit outcome, and each refusal kind
 * ({@code unauthenticated} 401, {@code forbidden} 403, {@code not_leader} 503, {@code unavailable} 503,
 * {@code bad_request} 400/413/415, {@code report_needed} 428), plus node reports taken. Served as
 * Prometheus text on {@code GET /metrics}. Thread-safe.
 */
public final class PermitCounters {

    private final Map<String, LongAdder> permits = new ConcurrentHashMap<>();
    private final LongAdder reports = new LongAdder();

    public void outcome(PermitOutcome outcome) {
        count(outcome.name().toLowerCase(Locale.ROOT));
    }

    public void refused(String kind) {
        count(kind);
    }

    public void report() {
        reports.increment();
    }

    /** Requests ended in {@code result} so far (an outcome name in lower case, or a refusal kind). */
    public long get(String result) {
        LongAdder a = permits.get(result);
        return a == null ? 0 : a.sum();
    }

    public long reports() {
        return reports.sum();
    }

    private void count(String result) {
        permits.computeIfAbsent(result, k -> new LongAdder()).increment();
    }

    /** Prometheus text exposition format 0.0.4. */
    public String prometheusText() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP vmflex_scheduler_permit_requests_total Permit API requests by result (outcome or refusal).\n");
        sb.append("# TYPE vmflex_scheduler_permit_requests_total counter\n");
        new TreeMap<>(permits).forEach((k, v) -> sb.append("vmflex_scheduler_permit_requests_total{result=\"")
                .append(k).append("\"} ").append(v.sum()).append('\n'));
        sb.append("# HELP vmflex_scheduler_node_reports_total Node reports taken.\n");
        sb.append("# TYPE vmflex_scheduler_node_reports_total counter\n");
        sb.append("vmflex_scheduler_node_reports_total ").append(reports.sum()).append('\n');
        return sb.toString();
    }
}
