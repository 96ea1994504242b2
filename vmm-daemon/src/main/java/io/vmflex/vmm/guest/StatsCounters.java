package io.vmflex.vmm.guest;

import java.util.concurrent.atomic.AtomicLong;

/** The live counters behind {@link ChannelStats}. Threadsafe: written by the channel's threads, read by anyone. */
final class StatsCounters {
    final AtomicLong framesIn = new AtomicLong();
    final AtomicLong framesOut = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong protocolErrors = new AtomicLong();
    final AtomicLong rateLimitedDrops = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    final AtomicLong quarantines = new AtomicLong();

    ChannelStats snapshot() {
        return new ChannelStats(framesIn.get(), framesOut.get(), bytesIn.get(), protocolErrors.get(),
                rateLimitedDrops.get(), reconnects.get(), quarantines.get());
    }
}
