package io.vmflex.kube.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * kubectl shows a CRD's printer columns in the CRD's order; fabric8's generator sorts them by JSON path
 * (fabric8io/kubernetes-client#7454). This puts them back in the order the resource class declares its
 * {@link AdditionalPrinterColumn}s, which is the order NeonVM users see.
 */
public final class PrinterColumnOrder {

    private PrinterColumnOrder() {
    }

    /** The column names in declaration order. */
    public static List<String> declared(Class<?> resource) {
        return Arrays.stream(resource.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name)
                .toList();
    }

    /**
     * Reorders {@code spec.versions[*].additionalPrinterColumns} of a CRD tree in place.
     *
     * @throws IllegalArgumentException if a column in the CRD is not declared on {@code resource}
     */
    public static void apply(ObjectNode crd, Class<?> resource) {
        List<String> order = declared(resource);
        for (JsonNode version : crd.path("spec").path("versions")) {
            if (!(version.get("additionalPrinterColumns") instanceof ArrayNode columns)) {
                continue;
            }
            List<JsonNode> sorted = new ArrayList<>();
            columns.forEach(sorted::add);
            for (JsonNode column : sorted) {
                String name = column.path("name").asText();
                if (!order.contains(name)) {
                    throw new IllegalArgumentException("printer column " + name + " is not declared on " + resource.getSimpleName());
                }
            }
            sorted.sort(Comparator.comparingInt(column -> order.indexOf(column.path("name").asText())));
            columns.removeAll();
            columns.addAll(sorted);
        }
    }
}
