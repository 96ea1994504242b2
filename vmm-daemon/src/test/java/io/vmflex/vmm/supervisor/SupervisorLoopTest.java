package io.vmflex.vmm.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SupervisorLoopTest {
    private final AtomicInteger ticks = new AtomicInteger();
    private final SupervisorLoop loop = new SupervisorLoop("vm1", ticks::incrementAndGet, () -> "VM vm1 was deleted");

    @AfterEach
    void end() {
        loop.shutdownNow();
    }

    @Test
    void shouldRunSubmittedWorkOnTheOwnerThread() throws Exception {
        String thread = loop.submit(() -> {
            loop.check("test work");
            return Thread.currentThread().getName();
        }).get(10, TimeUnit.SECONDS);
        assertEquals("vm-vm1", thread);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.schedule(Duration.ZERO));
        assertTrue(e.getMessage().contains("only the supervisor's own thread"), e.getMessage());
    }

    @Test
    void shouldDropHandedOverCallbacksButRunQueuedWorkOnceStopped() throws Exception {
        loop.submit(() -> {
            loop.stop();
            loop.schedule(Duration.ZERO);
            return null;
        }).get(10, TimeUnit.SECONDS);
        AtomicBoolean callback = new AtomicBoolean();
        AtomicBoolean raw = new AtomicBoolean();
        loop.enqueue(() -> callback.set(true));
        loop.execute(() -> raw.set(true));
        assertTrue(loop.submit(loop::stopped).get(10, TimeUnit.SECONDS), "queued work still runs");
        assertFalse(callback.get(), "a callback after the stop is dropped");
        assertTrue(raw.get());
        assertEquals(0, ticks.get(), "no tick once stopped");
    }

    @Test
    void shouldRefuseWorkAfterTheShutdownWithTheSupervisorsReason() {
        loop.shutdown();
        ExecutionException e = assertThrows(ExecutionException.class, () -> loop.submit(() -> 1).get(10, TimeUnit.SECONDS));
        assertInstanceOf(VmConflictException.class, e.getCause());
        assertEquals("VM vm1 was deleted", e.getCause().getMessage());
        loop.enqueue(() -> { }); // dropped, not thrown
        loop.execute(() -> { });
    }
}
