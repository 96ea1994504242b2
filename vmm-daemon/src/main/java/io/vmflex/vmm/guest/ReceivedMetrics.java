package io.vmflex.vmm.guest;

import io.vmflex.api.guest.GuestMessage;
import java.time.Instant;
import java.util.Objects;

/** A Metrics message that passed the sanity checks, with when the host received it. */
public record ReceivedMetrics(GuestMessage.Metrics metrics, Instant receivedAt) {
    public ReceivedMetrics {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
