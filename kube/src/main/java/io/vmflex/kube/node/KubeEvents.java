package io.vmflex.kube.node;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmflex.api.vm.VirtualMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;

/**
 * Records the node's events as core/v1 Events on the VirtualMachine they are about
 * ({@code source.component: vmflex-node}, {@code source.host}: the node). {@link #offer} never blocks
 * (it is called on the daemon's publishing thread): the {@link EventThrottle} decides there, and one
 * virtual thread sends. When the API server is away, what does not fit the queue is dropped and
 * counted: Events are a best-effort record, the VM's status is the truth.
 *
 * <p>Thread-safe.
 */
final class KubeEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeEvents.class);
    static final String COMPONENT = "vmflex-node";

    private record Send(EventThrottle.Key key, EventThrottle.Decision decision, String uid, Instant at) {
    }

    private final KubernetesClient client;
    private final String node;
    private final Clock clock;
    private final Function<ObjectKey, String> uids;
    private final EventThrottle throttle = new EventThrottle();
    private final BlockingQueue<Send> queue = new ArrayBlockingQueue<>(1000);
    private final Thread sender;
    private long lost;

    /** @param uids the uid of an object as last seen, null when it is not (or no longer) bound here */
    KubeEvents(KubernetesClient client, String node, Clock clock, Function<ObjectKey, String> uids) {
        this.client = client;
        this.node = node;
        this.clock = clock;
        this.uids = uids;
        this.sender = Thread.ofVirtual().name("kube-events").start(this::sendLoop);
    }

    void offer(NodeVms.NodeEvent e) {
        if (e.vm() == null) {
            return;
        }
        ObjectKey object = LocalName.decode(e.vm()).orElse(null);
        String uid = object == null ? null : uids.apply(object);
        if (uid == null) {
            return;
        }
        record(new EventThrottle.Key(object, e.warning() ? "Warning" : "Normal", e.reason(), e.message()), uid);
    }

    /** An event of the controller's own about {@code object}. */
    void record(ObjectKey object, String uid, boolean warning, String reason, String message) {
        if (uid != null) {
            record(new EventThrottle.Key(object, warning ? "Warning" : "Normal", reason, message), uid);
        }
    }

    private void record(EventThrottle.Key key, String uid) {
        Instant now = clock.instant();
        EventThrottle.Decision d;
        synchronized (throttle) {
            d = throttle.offer(key, now);
        }
        if (d instanceof EventThrottle.Drop(long dropped)) {
            if (dropped % 100 == 1) {
                LOG.info("events of {} over their rate: {} dropped so far", key.object(), dropped);
            }
            return;
        }
        if (!queue.offer(new Send(key, d, uid, now))) {
            if (++lost % 100 == 1) {
                LOG.warn("the Kubernetes Event queue is full (API server slow or away): {} events lost so far", lost);
            }
        }
    }

    private void sendLoop() {
        while (true) {
            Send s;
            try {
                s = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                send(s);
            } catch (KubernetesClientException e) {
                LOG.debug("event {} for {} not recorded: {}", s.key().reason(), s.key().object(), e.getMessage());
            }
        }
    }

    private void send(Send s) {
        String at = s.at().truncatedTo(ChronoUnit.SECONDS).toString();
        var events = client.v1().events().inNamespace(s.key().object().namespace());
        switch (s.decision()) {
            case EventThrottle.Create(String name) -> events.resource(event(s, name, 1, at, at)).create();
            case EventThrottle.Repeat(String name, int count, Instant first) -> {
                try {
                    events.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                            "{\"count\":" + count + ",\"lastTimestamp\":\"" + at + "\"}");
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        throw e;
                    }
                    // The Event expired on the server (its TTL): record it as new.
                    events.resource(event(s, name, count, first.truncatedTo(ChronoUnit.SECONDS).toString(), at)).create();
                }
            }
            case EventThrottle.Drop d -> { }
        }
    }

    private Event event(Send s, String name, int count, String first, String last) {
        ObjectKey o = s.key().object();
        return new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(o.namespace()).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(VirtualMachine.API_VERSION)
                        .withKind(VirtualMachine.KIND).withNamespace(o.namespace()).withName(o.name()).withUid(s.uid()).build())
                .withType(s.key().type()).withReason(s.key().reason()).withMessage(clip(s.key().message()))
                .withNewSource(COMPONENT, node)
                .withReportingComponent(COMPONENT).withReportingInstance(node)
                .withCount(count).withFirstTimestamp(first).withLastTimestamp(last)
                .build();
    }

    /** The API server refuses an Event message over 1 KiB. */
    private static String clip(String message) {
        return message == null || message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
    }

    @Override
    public void close() {
        sender.interrupt();
    }
}
