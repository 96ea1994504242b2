package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How {@code vmctl migrate --wait} shows a migration's status ({@code GET /v1/migrations/{id}}):
 * one progress line (bar, percentage, bytes, rates, expected downtime) and the final summary.
 * Pure formatting; stateless.
 */
final class MigrationProgress {
    static final int BAR_WIDTH = 20;

    private MigrationProgress() {
    }

    /** Percentage of the bytes QEMU has to send that it sent; 100 once completed. */
    static int percent(JsonNode m) {
        if ("Completed".equals(m.path("phase").asText())) {
            return 100;
        }
        long sent = m.path("transferredBytes").asLong();
        long left = m.path("remainingBytes").asLong();
        if (sent + left <= 0) {
            return 0;
        }
        return (int) Math.min(99, sent * 100 / (sent + left));
    }

    /**
     * {@code Migrating [#####...............]  27%  36Mi/135Mi  5.0Mi/s  dirty 120Ki/s  expected downtime 31 ms};
     * before QEMU sends RAM (preparing the target, copying the root disk's writes), the phase and what
     * the daemon says it is doing, e.g. {@code Migrating copying the root disk's writes to the target: 16.0 of 41.0 MiB}.
     */
    static String line(JsonNode m) {
        String message = m.path("message").asText("");
        if (!sendingRam(m) && !isFinal(m) && !message.isEmpty()) {
            return String.format("%-9s %s", m.path("phase").asText(), message);
        }
        int pct = percent(m);
        int filled = pct * BAR_WIDTH / 100;
        long sent = m.path("transferredBytes").asLong();
        long left = m.path("remainingBytes").asLong();
        return String.format("%-9s [%s%s] %3d%%  %s/%s  %s/s  dirty %s/s  expected downtime %d ms",
                m.path("phase").asText(), "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), pct,
                Quantities.bytes(sent), Quantities.bytes(sent + left),
                Quantities.bytes(m.path("rateBytesPerSecond").asLong()),
                Quantities.bytes(m.path("dirtyRateBytesPerSecond").asLong()), m.path("expectedDowntimeMs").asLong());
    }

    /** The one-line outcome. */
    static String summary(JsonNode m, String vm) {
        String reason = m.path("reason").asText("");
        String message = m.path("message").asText("");
        long paused = m.path("switchoverMs").asLong();
        return String.format("migration %s of %s to %s: %s%s — %s transferred, downtime %d ms%s, total %d ms%s",
                m.path("id").asText(), vm, m.path("target").asText(), m.path("phase").asText(),
                reason.isEmpty() ? "" : " (" + reason + ")", Quantities.bytes(m.path("transferredBytes").asLong()),
                m.path("downtimeMs").asLong(), paused > 0 ? " (guest paused " + paused + " ms in all)" : "",
                m.path("totalMs").asLong(), message.isEmpty() ? "" : " (" + message + ")");
    }

    /** Whether QEMU has started the RAM stream (before it: preparing the target, copying the disk). */
    static boolean sendingRam(JsonNode m) {
        return m.path("transferredBytes").asLong() + m.path("remainingBytes").asLong() > 0;
    }

    static boolean isFinal(JsonNode m) {
        return switch (m.path("phase").asText()) {
            case "Completed", "Failed", "Cancelled" -> true;
            default -> false;
        };
    }
}
