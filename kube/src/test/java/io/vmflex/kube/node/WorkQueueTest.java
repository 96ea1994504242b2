package io.vmflex.kube.node;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class WorkQueueTest {

    @Test
    void shouldQueueAKeyOnceHoweverOftenItIsAdded() throws InterruptedException {
        WorkQueue<String> q = new WorkQueue<>();
        q.add("a");
        q.add("b");
        q.add("a");
        assertEquals(2, q.size());
        assertEquals("a", q.take());
        assertEquals("b", q.take());
    }

    /** A change during a reconcile must be looked at after it, by the same single owner. */
    @Test
    void shouldHandAKeyAddedWhileActiveOutAgainOnlyAfterDone() throws InterruptedException {
        WorkQueue<String> q = new WorkQueue<>();
        q.add("a");
        assertEquals("a", q.take());
        q.add("a");
        assertEquals(0, q.size());
        q.done("a");
        assertEquals(1, q.size());
        assertEquals("a", q.take());
        q.done("a");
        assertEquals(0, q.size());
    }

    @Test
    void shouldEndTakersOnClose() throws InterruptedException {
        WorkQueue<String> q = new WorkQueue<>();
        q.close();
        assertNull(q.take());
    }
}
