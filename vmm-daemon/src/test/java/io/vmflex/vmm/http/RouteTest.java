package io.vmflex.vmm.http;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RouteTest {
    private final Route route = new Route("GET", "/v1/vms/{name}/console", r -> null);

    @Test
    void shouldExtractPathParameterWhenPatternMatches() {
        assertEquals(Map.of("name", "db-1"), route.match("/v1/vms/db-1/console"));
    }

    @Test
    void shouldNotMatchWhenSegmentsDifferOrParameterEmpty() {
        assertNull(route.match("/v1/vms/db-1"));
        assertNull(route.match("/v1/vms//console"));
        assertNull(route.match("/v1/vm/db-1/console"));
        assertNull(route.match("/v1/vms/db-1/console/extra"));
    }
}
