package io.vmflex.kube.placement;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One term of {@code affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution}: every
 * requirement must hold (the terms of a selector are alternatives). Kubernetes' semantics: {@code In},
 * {@code NotIn}, {@code Exists}, {@code DoesNotExist}, {@code Gt}, {@code Lt} on labels; {@code In} and
 * {@code NotIn} on the field {@code metadata.name}. A term with no requirement matches no node.
 * Immutable.
 */
public record NodeSelectorTerm(List<Requirement> matchExpressions, List<Requirement> matchFields) {

    static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");

    public NodeSelectorTerm {
        matchExpressions = List.copyOf(matchExpressions);
        matchFields = List.copyOf(matchFields);
    }

    /** One {@code key operator values} requirement. */
    public record Requirement(String key, String operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }

        boolean holdsFor(String actual) {
            return switch (operator) {
                case "In" -> actual != null && values.contains(actual);
                case "NotIn" -> actual == null || !values.contains(actual);
                case "Exists" -> actual != null;
                case "DoesNotExist" -> actual == null;
                case "Gt" -> {
                    int c = compare(actual);
                    yield c != NOT_A_NUMBER && c > 0;
                }
                case "Lt" -> {
                    int c = compare(actual);
                    yield c != NOT_A_NUMBER && c < 0;
                }
                default -> false;
            };
        }

        private static final int NOT_A_NUMBER = Integer.MIN_VALUE;

        /** The label's integer compared with the single value; NOT_A_NUMBER when either is not one. */
        private int compare(String actual) {
            if (actual == null || values.size() != 1) {
                return NOT_A_NUMBER;
            }
            try {
                return Long.compare(Long.parseLong(actual), Long.parseLong(values.getFirst()));
            } catch (NumberFormatException e) {
                return NOT_A_NUMBER;
            }
        }

        String describe() {
            return switch (operator) {
                case "Exists", "DoesNotExist" -> key + " " + operator;
                default -> key + " " + operator + " " + values;
            };
        }
    }

    /** Whether a node with these labels and this name satisfies the term. */
    public boolean matches(String nodeName, Map<String, String> labels) {
        if (matchExpressions.isEmpty() && matchFields.isEmpty()) {
            return false;
        }
        for (Requirement r : matchExpressions) {
            if (!r.holdsFor(labels.get(r.key()))) {
                return false;
            }
        }
        for (Requirement r : matchFields) {
            if (!r.holdsFor(nodeName)) {
                return false;
            }
        }
        return true;
    }
}
