package io.vmflex.kube.permit;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Map;

/**
 * {@link TokenReviewer} through {@code authentication.k8s.io/v1} TokenReview (the scheduler's service
 * account needs {@code tokenreviews create}). Thread-safe: one create per call.
 */
public final class ApiTokenReviewer implements TokenReviewer {

    private final KubernetesClient client;

    public ApiTokenReviewer(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Review review(String token) {
        TokenReview asked = new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build();
        TokenReview answer = client.resource(asked).create();
        var status = answer.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
            return new Review(false, null, null, null, status == null ? null : status.getError());
        }
        UserInfo user = status.getUser();
        Map<String, List<String>> extra = user == null || user.getExtra() == null ? Map.of() : user.getExtra();
        return new Review(true, user == null ? null : user.getUsername(), first(extra.get(EXTRA_POD_NAME)),
                first(extra.get(EXTRA_POD_UID)), null);
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.getFirst();
    }
}
