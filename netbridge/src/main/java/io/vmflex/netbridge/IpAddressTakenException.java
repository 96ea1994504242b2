package io.vmflex.netbridge;

/**
 * A VM asked for one exact address (it migrates in and keeps its IP) that another VM of this node
 * holds. The message names the address, both VMs and the network. Immutable; thread-safe.
 */
public final class IpAddressTakenException extends IllegalStateException {

    public IpAddressTakenException(String message) {
        super(message);
    }
}
