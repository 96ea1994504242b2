package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Extra guest settings, as NeonVM's {@code guest.settings}: sysctl.conf lines and an optional
 * swap disk size. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GuestSettings(List<String> sysctl, ByteQuantity swap) {

    public GuestSettings {
        sysctl = Copies.list(sysctl);
    }
}
