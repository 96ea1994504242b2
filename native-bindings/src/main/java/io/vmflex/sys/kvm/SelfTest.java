package io.vmflex.sys.kvm;

/**
 * Outcome of the KVM self-test guest: either the guest ran as expected or a reason why not.
 * Immutable.
 */
public sealed interface SelfTest {

    /** Whether the self-test guest ran as expected. */
    default boolean passed() {
        return this instanceof Passed;
    }

    /** The guest computed 0x40 + 0x02, wrote 0x42 to port 0x10 and halted. */
    record Passed() implements SelfTest {
    }

    /** The guest did not run as expected, or could not be set up; {@code reason} says why. */
    record Failed(String reason) implements SelfTest {
    }
}
