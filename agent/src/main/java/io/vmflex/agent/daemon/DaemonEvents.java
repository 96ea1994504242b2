package io.vmflex.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Follows the daemon's event stream ({@code GET /v1/events?watch=true}) for the guest monitors'
 * upscale requests (memory pressure, reason {@link GuestMessage.UpscaleRequest#EVENT_REASON}) and hands each to the agent
 * at once, so a guest running out of memory does not wait for the next poll. Reconnects with a
 * growing pause (0.2 s to 5 s) when the daemon goes away. The runner rate-limits the requests.
 *
 * <p>Runs on its own thread; {@link #close()} from any thread ends it.
 */
public final class DaemonEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonEvents.class);

    private final AdminClient client;
    private final Consumer<String> monitorRequest;
    private volatile boolean closed;
    private Thread thread;

    /** @param monitorRequest called with the VM's name for each of its monitor's upscale requests */
    public DaemonEvents(AdminClient client, Consumer<String> monitorRequest) {
        this.client = client;
        this.monitorRequest = monitorRequest;
    }

    public void start() {
        thread = Thread.ofVirtual().name("agent-events").start(this::run);
    }

    private void run() {
        long pauseMs = 200;
        while (!closed) {
            try {
                client.stream("/v1/events?watch=true", this::onLine);
                pauseMs = 200;
            } catch (AdminClientException e) {
                if (!closed) {
                    LOG.debug("event stream: {}", e.getMessage());
                }
            }
            if (closed) {
                return;
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                return;
            }
            pauseMs = Math.min(5_000, pauseMs * 2);
        }
    }

    /** One ndjson line of the stream. */
    void onLine(String line) {
        JsonNode event;
        try {
            event = ApiMapper.json().readTree(line);
        } catch (IOException e) {
            return;
        }
        if (event != null && GuestMessage.UpscaleRequest.EVENT_REASON.equals(event.path("reason").asText()) && event.path("vm").isTextual()) {
            monitorRequest.accept(event.path("vm").asText());
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
