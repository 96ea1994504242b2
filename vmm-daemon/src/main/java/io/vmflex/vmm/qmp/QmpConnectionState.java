package io.vmflex.vmm.qmp;

import java.time.Duration;

/** Where a {@link ReconnectingQmpClient} stands; reported to its state listener on every change. */
public sealed interface QmpConnectionState {

    /** A connection attempt is under way; {@code attempt} counts from 1 since the last success. */
    record Connecting(int attempt) implements QmpConnectionState {}

    /** Connected and capabilities negotiated; commands are accepted. */
    record Connected(QmpGreeting greeting) implements QmpConnectionState {}

    /** Not connected; the next attempt starts after {@code retryIn}. Commands fail fast. */
    record Disconnected(Throwable cause, Duration retryIn) implements QmpConnectionState {}

    /** Closed by its owner; final. */
    record Closed() implements QmpConnectionState {}
}
