package io.vmflex.kube.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The real time plus an offset a test moves forward (certificates must stay valid for the real API server). */
final class OffsetClock extends Clock {

    private volatile Duration offset = Duration.ZERO;

    void advanceTo(Duration offsetFromNow) {
        offset = offsetFromNow;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }
}
