package io.vmflex.kube.permit;

/**
 * An authenticated agent: the node daemon pod its token is bound to, and that pod's node. Immutable.
 *
 * @param node the pod's {@code spec.nodeName}: the only node whose VMs the caller may ask about
 * @param pod  {@code namespace/name} of the pod the token is bound to
 */
public record PermitCaller(String node, String pod) {
}
