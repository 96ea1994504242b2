package io.vmflex.migration;

import java.io.IOException;

/**
 * One direction of a {@link Relay}: moves bytes from its input channel to its output channel until
 * the input's end, then half-closes the output. Buffers are allocated when the pump is built, never
 * inside {@link #run}.
 *
 * <p>Not thread-safe: the direction's relay thread runs it once.
 */
interface DirectionPump {

    /** Runs to the end of the direction, counting each chunk written in {@code counters}. */
    void run(RelayStats.Direction counters) throws IOException;
}
