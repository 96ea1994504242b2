package io.vmflex.kube.crd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PrinterColumnOrderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void putsSortedColumnsBackInDeclaredOrder() throws Exception {
        ObjectNode crd = crdWithColumns("Age", "CPUScalingMode", "Cpus", "Memory", "Status");
        PrinterColumnOrder.apply(crd, NeonVm.class);
        assertEquals(List.of("Cpus", "Memory", "Status", "Age", "CPUScalingMode"), names(crd));
    }

    @Test
    void refusesAColumnTheClassDoesNotDeclare() throws Exception {
        ObjectNode crd = crdWithColumns("Cpus", "Mystery");
        var e = assertThrows(IllegalArgumentException.class, () -> PrinterColumnOrder.apply(crd, NeonVm.class));
        assertEquals("printer column Mystery is not declared on NeonVm", e.getMessage());
    }

    private static ObjectNode crdWithColumns(String... names) throws Exception {
        StringBuilder columns = new StringBuilder();
        for (String name : names) {
            columns.append(columns.isEmpty() ? "" : ",").append("{\"name\":\"").append(name).append("\"}");
        }
        return (ObjectNode) JSON.readTree("{\"spec\":{\"versions\":[{\"name\":\"v1\",\"additionalPrinterColumns\":[" + columns + "]}]}}");
    }

    private static List<String> names(ObjectNode crd) {
        List<String> names = new ArrayList<>();
        crd.path("spec").path("versions").get(0).path("additionalPrinterColumns").forEach(c -> names.add(c.path("name").asText()));
        return names;
    }
}
