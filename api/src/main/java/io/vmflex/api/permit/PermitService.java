package io.vmflex.api.permit;


/**
 * What the agent side needs from the scheduler: one decision per permit request, and the node's
 * report after either side (re)starts. In standalone mode the agent holds the scheduler-plugin's {@code Scheduler}
 * through this interface and calls it in-process; in cluster mode a client implementing it speaks
 * the same messages over the scheduler's authenticated HTTPS API ({@code POST /v1/permits},
 * {@code PUT /v1/nodes/{node}/report}).
 *
 * <p>Implementations are thread-safe.
 */
public interface PermitService {

    /** Decides a permit request: an increase (granted, partial or denied) or a release. */
    PermitResponse requestPermit(PermitRequest request);

    /**
     * Tells the scheduler every VM the node runs, what it uses and the permit its agent holds. Send
     * it when the agent starts and whenever the scheduler answers that the node has not reported.
     *
     * @throws IllegalArgumentException if the scheduler does not know the node
     */
    ReportResult report(NodeReport report);
}
