package io.vmflex.kube.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReconcileLoopTest {
    private static final ReconcileLoop.Backoff BACKOFF = new ReconcileLoop.Backoff(Duration.ofMillis(250), 3, Duration.ofSeconds(1));

    private final Logger log = (Logger) LoggerFactory.getLogger("ReconcileLoopTest");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final WorkQueue<String> queue = new WorkQueue<>();
    private final List<String> retried = new ArrayList<>();
    private final List<Duration> delays = new ArrayList<>();

    @BeforeEach
    void listen() {
        lines.start();
        log.addAppender(lines);
        log.setLevel(Level.DEBUG);
    }

    @AfterEach
    void stopListening() {
        log.detachAppender(lines);
    }

    private ReconcileLoop<String> loop(ReconcileLoop.Reconciler<String> reconciler) {
        return new ReconcileLoop<>(queue, reconciler, e -> e instanceof IllegalStateException || e instanceof IOException,
                BACKOFF, (key, delay) -> {
                    retried.add(key);
                    delays.add(delay);
                }, log);
    }

    @Test
    void shouldDoubleTheBackoffPerFailureUpToItsCaps() {
        assertEquals(List.of(250L, 500L, 1000L, 1000L, 1000L),
                List.of(1, 2, 3, 4, 30).stream().map(n -> BACKOFF.after(n).toMillis()).toList());
        ReconcileLoop.Backoff manyDoublings = new ReconcileLoop.Backoff(Duration.ofMillis(250), 10, Duration.ofSeconds(5));
        assertEquals(4000, manyDoublings.after(5).toMillis());
        assertEquals(5000, manyDoublings.after(6).toMillis());
        assertEquals(5000, manyDoublings.after(1000).toMillis());
    }

    @Test
    void shouldRetryAnExpectedFailureAndLogOnlyTheFirstAndEveryTwentieth() {
        ReconcileLoop<String> loop = loop(key -> {
            throw new IOException("conflict on " + key);
        });
        for (int i = 0; i < 40; i++) {
            loop.step("ns/a");
        }
        assertEquals(40, loop.failures("ns/a"));
        assertEquals(40, retried.size());
        assertEquals(List.of(250L, 500L, 1000L, 1000L), delays.subList(0, 4).stream().map(Duration::toMillis).toList());
        assertEquals(List.of("ns/a: conflict on ns/a (attempt 1, again in 250 ms)",
                        "ns/a: conflict on ns/a (attempt 20, again in 1000 ms)",
                        "ns/a: conflict on ns/a (attempt 40, again in 1000 ms)"),
                lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        assertTrue(lines.list.stream().allMatch(e -> e.getLevel() == Level.WARN));
    }

    @Test
    void shouldForgetTheCountAfterASuccess() {
        boolean[] fail = {true};
        ReconcileLoop<String> loop = loop(key -> {
            if (fail[0]) {
                throw new IllegalStateException("busy");
            }
        });
        loop.step("a");
        loop.step("a");
        fail[0] = false;
        loop.step("a");
        assertEquals(0, loop.failures("a"));
        fail[0] = true;
        loop.step("a");
        assertEquals(250, delays.getLast().toMillis());
        assertEquals(2, lines.list.size()); // attempt 1 twice: the count started again
    }

    @Test
    void shouldDropAndLogAnUnexpectedFailureWithoutRetrying() {
        ReconcileLoop<String> loop = loop(key -> {
            throw new NullPointerException("bug");
        });
        loop.step("a");
        assertEquals(List.of(), retried);
        assertEquals(0, loop.failures("a"));
        assertEquals(1, lines.list.size());
        assertEquals(Level.ERROR, lines.list.getFirst().getLevel());
        assertEquals("bug", lines.list.getFirst().getThrowableProxy().getMessage());
    }

    @Test
    void shouldWorkEveryQueuedKeyAndEndWhenTheQueueCloses() throws InterruptedException {
        List<String> seen = new ArrayList<>();
        ReconcileLoop<String> loop = loop(key -> {
            seen.add(key);
            if (key.equals("c")) {
                queue.close();
            }
        });
        queue.add("a");
        queue.add("b");
        queue.add("c");
        Thread worker = Thread.ofVirtual().start(loop::run);
        worker.join(Duration.ofSeconds(10));
        assertEquals(List.of("a", "b", "c"), seen);
        assertTrue(!worker.isAlive(), "the loop ended with its queue");
    }
}
