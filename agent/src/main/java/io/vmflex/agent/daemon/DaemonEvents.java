package io.vmflex.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.agent.core.ScalingInput;
import io.vmflex.agent.runner.AgentRunner;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Follows the daemon's event stream ({@code GET /v1/events?watch=true}) for the guest monitors'
 * upscale requests (memory pressure, reason {@code UpscaleRequested}) and hands each to the runner
 * at once, so a guest running out of memory does not wait for the next poll. Reconnects with a
 * growing pause (0.2 s to 5 s) when the daemon goes away. The runner rate-limits the requests.
 *
 * <p>Runs on its own thread; {@link #close()} from any thread ends it.
 */
public final class DaemonEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonEvents.class);

    private final AdminClient client;
    private final AgentRunner runner;
    private volatile boolean closed;
    private Thread thread;

    public DaemonEvents(AdminClient client, AgentRunner runner) {
        this.client = client;
        this.runner = runner;
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
        if (event != null && "UpscaleRequested".equals(event.path("reason").asText()) && event.path("vm").isTextual()) {
            runner.submit(event.path("vm").asText(), new ScalingInput.MonitorUpscaleRequested());
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
