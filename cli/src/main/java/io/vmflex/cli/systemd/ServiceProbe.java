package io.vmflex.cli.systemd;

/** Whether the service answers its callers right now. Implementations must not throw. */
@FunctionalInterface
public interface ServiceProbe {
    boolean answers();
}
