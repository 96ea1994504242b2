package io.vmflex.scheduler.watermark;

import io.vmflex.scheduler.core.Amount;

/**
 * One migration the watermark rule asks for. Immutable.
 *
 * @param amount what the VM holds (moves off the source, is booked on the target)
 * @param reason one line for the Events: why the source sheds this VM and why this target
 */
public record Move(String vm, String source, String target, Amount amount, String reason) {
}
