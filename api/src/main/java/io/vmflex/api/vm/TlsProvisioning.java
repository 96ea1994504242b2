package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * TLS certificate provisioning, as NeonVM's {@code spec.tls}. Durations are Go duration strings
 * ({@code "24h"}); {@code mountPath} defaults to {@code /var/tls}. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TlsProvisioning(
        String certificateIssuer,
        String expireAfter,
        String renewBefore,
        String serverName,
        String mountPath) {
}
