package io.vmflex.kube.placement;

/**
 * One taint of a Node. Only {@code NoSchedule} and {@code NoExecute} keep a VM off a node
 * ({@code PreferNoSchedule} is a preference this scheduler does not weigh). Immutable.
 *
 * @param value  may be empty
 * @param effect {@code NoSchedule}, {@code PreferNoSchedule} or {@code NoExecute}
 */
public record NodeTaint(String key, String value, String effect) {

    public NodeTaint {
        value = value == null ? "" : value;
    }

    /** Whether a VM must tolerate this taint to be placed on the node. */
    public boolean repels() {
        return "NoSchedule".equals(effect) || "NoExecute".equals(effect);
    }

    public String describe() {
        return key + (value.isEmpty() ? "" : "=" + value) + ":" + effect;
    }
}
