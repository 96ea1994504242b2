package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The authentication rules with a fake TokenReview, pods and clock (the real API server: PermitServerApiServerTest). */
class PermitAuthenticatorTest {

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final MutableClock clock = new MutableClock();
    private final Map<String, Pod> pods = new HashMap<>();
    private final AtomicInteger reviews = new AtomicInteger();
    private final Map<String, TokenReviewer.Review> answers = new HashMap<>();
    private final PermitAuthenticator auth = new PermitAuthenticator(token -> {
        reviews.incrementAndGet();
        TokenReviewer.Review r = answers.get(token);
        return r != null ? r : new TokenReviewer.Review(false, null, null, null, "invalid bearer token");
    }, (ns, name) -> Optional.ofNullable(pods.get(ns + "/" + name)), clock);

    private static Pod pod(String name, String uid, String node) {
        return new PodBuilder().withNewMetadata().withNamespace(PermitAuthenticator.NAMESPACE).withName(name).withUid(uid)
                .endMetadata().withNewSpec().withNodeName(node).endSpec().build();
    }

    private void nodeToken(String token, String podName, String uid) {
        answers.put(token, new TokenReviewer.Review(true, PermitAuthenticator.NODE_ACCOUNT, podName, uid, null));
    }

    @Test
    void shouldAuthenticateANodeTokenAsItsPodsNodeAndReviewItOncePerTtl() {
        pods.put("vmflex-system/node-pod", pod("node-pod", "u1", "node-a"));
        nodeToken("t", "node-pod", "u1");
        var first = assertInstanceOf(Authentication.Authenticated.class, auth.authenticate("Bearer t"));
        assertEquals(new PermitCaller("node-a", "vmflex-system/node-pod"), first.caller());
        auth.authenticate("bearer t");
        assertEquals(1, reviews.get(), "remembered");
        clock.now = clock.now.plus(PermitAuthenticator.REVIEW_TTL).plusSeconds(1);
        auth.authenticate("Bearer t");
        assertEquals(2, reviews.get(), "reviewed again after the TTL");
    }

    @Test
    void shouldRefuseWithOneLineStatusAndReason() {
        assertEquals(401, ((Authentication.Refused) auth.authenticate(null)).status());
        assertEquals(401, ((Authentication.Refused) auth.authenticate("Basic dXNlcg==")).status());
        assertEquals(401, ((Authentication.Refused) auth.authenticate("Bearer ")).status());
        var forged = (Authentication.Refused) auth.authenticate("Bearer forged");
        assertEquals(401, forged.status());
        assertTrue(forged.reason().contains("invalid bearer token"), forged.reason());

        answers.put("other", new TokenReviewer.Review(true, "system:serviceaccount:demo:default", "p", "u", null));
        assertEquals(403, ((Authentication.Refused) auth.authenticate("Bearer other")).status());
        answers.put("unbound", new TokenReviewer.Review(true, PermitAuthenticator.NODE_ACCOUNT, null, null, null));
        assertTrue(((Authentication.Refused) auth.authenticate("Bearer unbound")).reason().contains("bound to no pod"));

        nodeToken("gone", "gone-pod", "u9");
        var gone = (Authentication.Refused) auth.authenticate("Bearer gone");
        assertEquals(403, gone.status());
        assertTrue(gone.reason().contains("does not exist"), gone.reason());

        pods.put("vmflex-system/replaced", pod("replaced", "new-uid", "node-a"));
        nodeToken("old", "replaced", "old-uid");
        assertTrue(((Authentication.Refused) auth.authenticate("Bearer old")).reason().contains("replaced"));

        pods.put("vmflex-system/pending", pod("pending", "u2", null));
        nodeToken("pending", "pending", "u2");
        assertTrue(((Authentication.Refused) auth.authenticate("Bearer pending")).reason().contains("not on a node"));

        for (String header : List.of("x", "Bearer forged")) {
            var r = auth.authenticate(header);
            assertTrue(r instanceof Authentication.Refused refused && !refused.reason().contains("\n"));
        }
    }

    @Test
    void shouldStopAcceptingATokenWhenItsPodIsDeletedEvenWhileRemembered() {
        pods.put("vmflex-system/node-pod", pod("node-pod", "u1", "node-a"));
        nodeToken("t", "node-pod", "u1");
        assertInstanceOf(Authentication.Authenticated.class, auth.authenticate("Bearer t"));
        pods.clear();
        assertEquals(403, ((Authentication.Refused) auth.authenticate("Bearer t")).status());
    }

    @Test
    void shouldAnswer503WhenTheApiServerCannotReview() {
        PermitAuthenticator down = new PermitAuthenticator(token -> {
            throw new IllegalStateException("connection refused");
        }, (ns, name) -> Optional.empty(), clock);
        var r = (Authentication.Refused) down.authenticate("Bearer t");
        assertEquals(503, r.status());
        assertTrue(r.reason().contains("connection refused"), r.reason());
    }

    @Test
    void shouldReviewATokenOnceWhenManyCallsArriveAtOnce() throws Exception {
        pods.put("vmflex-system/node-pod", pod("node-pod", "u1", "node-a"));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger slow = new AtomicInteger();
        PermitAuthenticator gated = new PermitAuthenticator(token -> {
            slow.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new TokenReviewer.Review(true, PermitAuthenticator.NODE_ACCOUNT, "node-pod", "u1", null);
        }, (ns, name) -> Optional.ofNullable(pods.get(ns + "/" + name)), clock);
        List<Thread> callers = new java.util.ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < 50; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                if (gated.authenticate("Bearer t") instanceof Authentication.Authenticated) {
                    ok.incrementAndGet();
                }
            }));
        }
        // let them all arrive, then answer the one review
        while (slow.get() == 0) {
            Thread.sleep(5);
        }
        Thread.sleep(Duration.ofMillis(100));
        release.countDown();
        for (Thread t : callers) {
            t.join();
        }
        assertEquals(50, ok.get());
        assertTrue(slow.get() <= 2, "reviews: " + slow.get());
    }
}
