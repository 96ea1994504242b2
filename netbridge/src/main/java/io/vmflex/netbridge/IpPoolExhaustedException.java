package io.vmflex.netbridge;

/**
 * Every VM address of the pool's network is allocated. The message names the network, how many
 * addresses it has and the VM that asked. Immutable; thread-safe.
 */
public final class IpPoolExhaustedException extends IllegalStateException {

    public IpPoolExhaustedException(String message) {
        super(message);
    }
}
