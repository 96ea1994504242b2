package io.vmflex.vmm.events;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Keeps the most recent events (a bounded ring) and fans each new one out to watchers.
 *
 * <p>Thread-safe. Watchers are called on the publishing thread and must not block: the admin API's
 * watchers only hand the event to their Netty channel.
 */
public final class EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);

    private final int capacity;
    private final ArrayDeque<VmEvent> recent;
    private final List<Consumer<VmEvent>> watchers = new CopyOnWriteArrayList<>();

    public EventBus(int capacity) {
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(capacity);
    }

    public void publish(VmEvent event) {
        synchronized (recent) {
            if (recent.size() == capacity) {
                recent.removeFirst();
            }
            recent.addLast(event);
        }
        if (event.type() == VmEvent.Type.Warning) {
            LOG.warn("event vm={} reason={} {}", event.vm(), event.reason(), event.message());
        } else {
            LOG.info("event vm={} reason={} {}", event.vm(), event.reason(), event.message());
        }
        for (Consumer<VmEvent> watcher : watchers) {
            try {
                watcher.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("event watcher failed; removing it", e);
                watchers.remove(watcher);
            }
        }
    }

    public List<VmEvent> recent() {
        synchronized (recent) {
            return new ArrayList<>(recent);
        }
    }

    /** How many watchers are registered. */
    public int watchers() {
        return watchers.size();
    }

    /** Registers a watcher; the returned handle removes it. */
    public AutoCloseable watch(Consumer<VmEvent> watcher) {
        watchers.add(watcher);
        return () -> watchers.remove(watcher);
    }
}
