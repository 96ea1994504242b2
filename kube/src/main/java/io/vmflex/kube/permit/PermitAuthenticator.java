package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.Pod;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Who may ask for permits: a bearer token that the API server's TokenReview says belongs to the node
 * daemon's service account ({@link #NODE_ACCOUNT}) and is bound to a pod that exists in
 * {@code vmflex-system} (its uid as the token says); the caller's node is that pod's
 * {@code spec.nodeName}. Anything else is refused with one line: 401 without a valid token, 403 for a
 * valid token of anyone else or not bound to a running pod, 503 when the API server cannot be asked.
 *
 * <p>A TokenReview per request would put the API server on every permit's path, so a successful review
 * is remembered for {@link #REVIEW_TTL} under the token's SHA-256 (never the token itself), as
 * kube-rbac-proxy does. The pod is checked on every request against the watch-fed cache, so a token
 * of a deleted pod stops working as soon as the scheduler sees the deletion. Failures are not
 * remembered (a forged token costs the caller one review each time).
 *
 * <p>Thread-safe.
 */
public final class PermitAuthenticator {

    public static final String NAMESPACE = "vmflex-system";
    public static final String NODE_ACCOUNT = "system:serviceaccount:" + NAMESPACE + ":vmflex-node";
    public static final Duration REVIEW_TTL = Duration.ofSeconds(60);
    private static final int MAX_REMEMBERED = 10_000;

    private record Remembered(String podName, String podUid, Instant until) {
    }

    private final TokenReviewer reviewer;
    private final BiFunction<String, String, Optional<Pod>> pods;
    private final Clock clock;
    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.CompletableFuture<TokenReviewer.Review>> inFlight = new ConcurrentHashMap<>();

    /**
     * @param pods looks a pod up by namespace and name (the scheduler's watch cache)
     */
    public PermitAuthenticator(TokenReviewer reviewer, BiFunction<String, String, Optional<Pod>> pods, Clock clock) {
        this.reviewer = reviewer;
        this.pods = pods;
        this.clock = clock;
    }

    /** @param authorization the request's {@code Authorization} header, null if none */
    public Authentication authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                || authorization.substring(7).isBlank()) {
            return new Authentication.Refused(401, "no bearer token: send the node daemon's service account token"
                    + " (Authorization: Bearer ...)");
        }
        String token = authorization.substring(7).strip();
        String key = sha256(token);
        Instant now = clock.instant();
        Remembered known = remembered.get(key);
        if (known == null || !known.until().isAfter(now)) {
            TokenReviewer.Review review;
            try {
                review = reviewOnce(key, token);
            } catch (RuntimeException e) {
                return new Authentication.Refused(503, "cannot review the token with the API server: " + oneLine(e.getMessage()));
            }
            if (!review.authenticated()) {
                return new Authentication.Refused(401, "token rejected by the API server"
                        + (review.error() == null || review.error().isBlank() ? "" : ": " + oneLine(review.error())));
            }
            if (!NODE_ACCOUNT.equals(review.username())) {
                return new Authentication.Refused(403, "only " + NODE_ACCOUNT + " may ask for permits, not " + review.username());
            }
            if (review.podName() == null || review.podName().isBlank()) {
                return new Authentication.Refused(403, "the token is bound to no pod: use the node daemon pod's projected"
                        + " service account token");
            }
            known = new Remembered(review.podName(), review.podUid(), now.plus(REVIEW_TTL));
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.values().removeIf(r -> !r.until().isAfter(now));
                if (remembered.size() >= MAX_REMEMBERED) {
                    remembered.clear();
                }
            }
            remembered.put(key, known);
        }
        String podKey = NAMESPACE + "/" + known.podName();
        Optional<Pod> pod = pods.apply(NAMESPACE, known.podName());
        if (pod.isEmpty()) {
            return new Authentication.Refused(403, "pod " + podKey + " that the token is bound to does not exist");
        }
        Pod p = pod.get();
        if (known.podUid() != null && !known.podUid().equals(p.getMetadata().getUid())) {
            return new Authentication.Refused(403, "pod " + podKey + " was replaced since the token was issued");
        }
        String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
        if (node == null || node.isBlank()) {
            return new Authentication.Refused(403, "pod " + podKey + " is not on a node");
        }
        return new Authentication.Authenticated(new PermitCaller(node, podKey));
    }

    /**
     * One TokenReview per token at a time: a node's agent sends many calls at once, and without this
     * every one of them would review the same token when its entry expires.
     */
    private TokenReviewer.Review reviewOnce(String key, String token) {
        java.util.concurrent.CompletableFuture<TokenReviewer.Review> mine = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<TokenReviewer.Review> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            TokenReviewer.Review review = reviewer.review(token);
            mine.complete(review);
            return review;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    static String oneLine(String text) {
        if (text == null) {
            return "no detail";
        }
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
