package io.vmflex.vmm.guest;

/**
 * Counters of one {@link GuestChannel} since it was made; a snapshot, immutable.
 *
 * @param framesIn         frames received (well-formed or not)
 * @param framesOut        frames sent (handshakes, requests, InvalidMessage replies)
 * @param bytesIn          bytes received
 * @param protocolErrors   malformed, insane or out-of-protocol frames and framing errors
 * @param rateLimitedDrops guest messages dropped by a rate limit (Metrics, UpscaleRequest, InvalidMessage replies not sent)
 * @param reconnects       connections made after the first
 * @param quarantines      times the channel was quarantined
 */
public record ChannelStats(long framesIn, long framesOut, long bytesIn, long protocolErrors,
                           long rateLimitedDrops, long reconnects, long quarantines) {
}
