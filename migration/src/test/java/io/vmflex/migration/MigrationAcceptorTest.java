package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MigrationAcceptorTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final MigrationAcceptor acceptor = new MigrationAcceptor(now::get);
    private final LocalEndpoint nowhere = channel -> {
        throw new AssertionError("not used");
    };

    @Test
    void shouldRefuseWhenMigrationUnknown() {
        assertEquals(new MigrationAcceptor.Claim.Refused(HelloStatus.UNKNOWN_MIGRATION), acceptor.claim(UUID.randomUUID(), 0));
    }

    @Test
    void shouldGrantEachChannelOnceWhenExpected() {
        UUID id = UUID.randomUUID();
        acceptor.expect(id, 2, Duration.ofSeconds(30), nowhere);
        assertInstanceOf(MigrationAcceptor.Claim.Granted.class, acceptor.claim(id, 1));
        assertInstanceOf(MigrationAcceptor.Claim.Granted.class, acceptor.claim(id, 0));
        assertEquals(new MigrationAcceptor.Claim.Refused(HelloStatus.CHANNEL_ALREADY_USED), acceptor.claim(id, 1));
        assertEquals(new MigrationAcceptor.Claim.Refused(HelloStatus.CHANNEL_OUT_OF_RANGE), acceptor.claim(id, 2));
    }

    @Test
    void shouldRefuseAndFailCompletionWhenExpired() {
        UUID id = UUID.randomUUID();
        Expectation e = acceptor.expect(id, 2, Duration.ofSeconds(30), nowhere);
        acceptor.claim(id, 0);
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertEquals(new MigrationAcceptor.Claim.Refused(HelloStatus.UNKNOWN_MIGRATION), acceptor.claim(id, 1));
        ExecutionException failure = assertThrows(ExecutionException.class, () -> e.completion().get());
        assertInstanceOf(TimeoutException.class, failure.getCause());
    }

    @Test
    void shouldRefuseDuplicateExpectationWhenIdAlreadyExpected() {
        UUID id = UUID.randomUUID();
        acceptor.expect(id, 1, Duration.ofSeconds(30), nowhere);
        assertThrows(IllegalStateException.class, () -> acceptor.expect(id, 1, Duration.ofSeconds(30), nowhere));
    }

    @Test
    void shouldForgetWhenExpectationClosed() {
        UUID id = UUID.randomUUID();
        acceptor.expect(id, 1, Duration.ofSeconds(30), nowhere).close();
        assertEquals(new MigrationAcceptor.Claim.Refused(HelloStatus.UNKNOWN_MIGRATION), acceptor.claim(id, 0));
    }
}
