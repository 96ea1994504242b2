package io.vmflex.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Builds encoded admin API paths (see docs/admin-api.md). Stateless. */
public final class ApiPaths {

    private ApiPaths() {
    }

    public static String vms() {
        return "/v1/vms";
    }

    public static String vm(String name) {
        return "/v1/vms/" + segment(name);
    }

    /** The agent's views of every autoscaled VM. */
    public static String autoscaling() {
        return "/v1/autoscaling";
    }

    /** The agent's view of one VM. */
    public static String autoscaling(String vm) {
        return vm(vm) + "/autoscaling";
    }

    public static String events() {
        return "/v1/events";
    }

    public static String node() {
        return "/v1/node";
    }

    /** Percent-encodes one path segment or query value (space as %20, not '+'). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
