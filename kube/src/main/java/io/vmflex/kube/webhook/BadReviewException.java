package io.vmflex.kube.webhook;

import java.io.Serial;

/** A request body that is not an AdmissionReview the webhook can answer: the reply is a 400 with this one-line message. */
public final class BadReviewException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    public BadReviewException(String message) {
        super(message);
    }

    public BadReviewException(String message, Throwable cause) {
        super(message, cause);
    }
}
