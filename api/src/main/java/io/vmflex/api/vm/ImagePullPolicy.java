package io.vmflex.api.vm;

/** Kubernetes image pull policy of the root disk image; NeonVM defaults it to IfNotPresent. */
public enum ImagePullPolicy {
    Always,
    Never,
    IfNotPresent
}
