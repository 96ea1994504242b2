package io.vmflex.api.autoscaling;


import java.util.List;
import java.util.Optional;

/**
 * Where the admin API reads what the autoscaler agent thinks of each VM: the agent in the same
 * process under {@code vmflex up}; nothing under {@code vmflex daemon}. Implementations are
 * thread-safe and answer from memory (they are called on the API's threads).
 */
public interface AutoscalingSource {

    /** No agent on this node. */
    AutoscalingSource NONE = new AutoscalingSource() {
        @Override
        public boolean running() {
            return false;
        }

        @Override
        public List<AutoscalingView> list() {
            return List.of();
        }

        @Override
        public Optional<AutoscalingView> get(String vm) {
            return Optional.empty();
        }
    };

    /** Whether an agent runs on this node. */
    default boolean running() {
        return true;
    }

    /** Every VM the agent follows, by name. */
    List<AutoscalingView> list();

    /** One VM, empty when the agent does not follow it. */
    Optional<AutoscalingView> get(String vm);
}
