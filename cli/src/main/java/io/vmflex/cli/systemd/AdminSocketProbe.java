package io.vmflex.cli.systemd;

import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import io.vmflex.client.ApiPaths;

import java.nio.file.Path;
import java.time.Duration;

/**
 * "Does the daemon answer?": one {@code GET /v1/node} over the admin socket, as vmctl would send
 * it, answered 200 within the timeout. The node report is computed once at start, so asking costs
 * the daemon one small response.
 *
 * <p>Thread-safe: each call opens its own connection.
 */
public final class AdminSocketProbe implements ServiceProbe {

    private final Path socket;
    private final Duration timeout;

    public AdminSocketProbe(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    @Override
    public boolean answers() {
        try (AdminClient client = new AdminClient(socket, timeout)) {
            return client.request("GET", ApiPaths.node(), null, null).status() == 200;
        } catch (AdminClientException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "admin socket " + socket;
    }
}
