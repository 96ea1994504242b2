package io.vmflex.kube.permit;

/** What {@link PermitAuthenticator} made of a request's credentials. */
public sealed interface Authentication {

    record Authenticated(PermitCaller caller) implements Authentication {
    }

    /**
     * Refused before anything is decided.
     *
     * @param status 401 (no or invalid token) or 403 (a valid token of someone who may not ask)
     * @param reason one line
     */
    record Refused(int status, String reason) implements Authentication {
    }
}
