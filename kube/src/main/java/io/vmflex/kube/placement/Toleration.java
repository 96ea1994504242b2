package io.vmflex.kube.placement;

/**
 * One entry of a VM's {@code spec.tolerations}, with Kubernetes' matching rules: an empty key with
 * {@code Exists} tolerates every taint, an empty effect every effect, {@code Exists} ignores the
 * value, the default operator is {@code Equal}. Immutable.
 */
public record Toleration(String key, String operator, String value, String effect) {

    public Toleration {
        key = key == null ? "" : key;
        operator = operator == null || operator.isEmpty() ? "Equal" : operator;
        value = value == null ? "" : value;
        effect = effect == null ? "" : effect;
    }

    public boolean tolerates(NodeTaint taint) {
        if (!effect.isEmpty() && !effect.equals(taint.effect())) {
            return false;
        }
        if (key.isEmpty()) {
            return operator.equals("Exists");
        }
        if (!key.equals(taint.key())) {
            return false;
        }
        return operator.equals("Exists") || value.equals(taint.value());
    }
}
