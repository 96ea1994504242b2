package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A guest port to expose, as NeonVM's {@code guest.ports[]}. {@code port} is required (1-65535),
 * {@code protocol} defaults to TCP, the name {@code qmp} is reserved. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Port(String name, Integer port, Protocol protocol) {

    public Port withProtocol(Protocol newProtocol) {
        return new Port(name, port, newProtocol);
    }
}
