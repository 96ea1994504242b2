package io.vmflex.kube.permit;

/**
 * Asks the API server who a bearer token belongs to (a TokenReview). Implementations are thread-safe
 * and may block.
 */
@FunctionalInterface
public interface TokenReviewer {

    /** Pod-bound service account tokens carry these in the TokenReview's {@code user.extra}. */
    String EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
    String EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";

    /**
     * @throws java.io.UncheckedIOException or a client exception when the API server could not be asked
     */
    Review review(String token);

    /**
     * The API server's answer.
     *
     * @param authenticated whether the token is valid
     * @param username      e.g. {@code system:serviceaccount:vmflex-system:vmflex-node}; null when not authenticated
     * @param podName       {@link #EXTRA_POD_NAME}, null for a token bound to no pod
     * @param podUid        {@link #EXTRA_POD_UID}, null for a token bound to no pod
     * @param error         the API server's error text for an invalid token, may be null
     */
    record Review(boolean authenticated, String username, String podName, String podUid, String error) {
    }
}
