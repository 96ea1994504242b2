package io.vmflex.agent.sim;

import java.time.Instant;
import java.time.InstantSource;

/** A clock that moves only when told. Not thread-safe; for one simulation thread. */
public final class SimClock implements InstantSource {

    private long nowMs;

    public SimClock(long startMs) {
        this.nowMs = startMs;
    }

    public void advance(long ms) {
        nowMs += ms;
    }

    @Override
    public long millis() {
        return nowMs;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(nowMs);
    }
}
