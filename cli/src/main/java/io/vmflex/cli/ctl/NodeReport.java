package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The human report of {@code GET /v1/node}: what the node can run and why the daemon chose its
 * accelerator. Missing sections print {@code <none>} rather than failing, so a newer or older
 * daemon still gets a report. Stateless.
 */
final class NodeReport {

    private NodeReport() {
    }

    static void print(JsonNode node, PrintStream out) {
        JsonNode kvm = node.path("kvm");
        JsonNode hw = node.path("hardwareVirtualization");
        JsonNode cgroup = node.path("cgroup");
        JsonNode qemu = node.path("qemu");
        new KeyValuePrinter("")
                .add("Node", Json.text(node, "/name"))
                .add("KVM device", kvm.isObject() ? orDefault(Json.text(kvm, "/device"), "/dev/kvm") : "absent")
                .add("KVM API version", Json.text(kvm, "/apiVersion"))
                .add("KVM max vCPUs", Json.text(kvm, "/maxVcpus"))
                .add("KVM memory slots", Json.text(kvm, "/memorySlots"))
                .add("KVM self-test", selfTest(kvm))
                .add("Hardware virtualisation", hardware(hw))
                .add("Accelerator", accel(node))
                .add("cgroup v2 root", cgroupRoot(cgroup))
                .add("cgroup controllers", controllers(cgroup))
                .add("tun", tun(node.path("tun")))
                .add("QEMU", qemu(qemu))
                .add("VMs", Json.text(node, "/vms"))
                .print(out);
        out.flush();
    }

    private static String selfTest(JsonNode kvm) {
        String result = Json.text(kvm, "/selfTest");
        String error = Json.text(kvm, "/error");
        if (result == null) {
            return error;
        }
        return error == null || error.isBlank() ? result : result + " (" + error + ")";
    }

    private static String hardware(JsonNode hw) {
        if (!hw.isObject()) {
            return null;
        }
        List<String> flags = new ArrayList<>();
        hw.path("flags").forEach(f -> flags.add(f.asText()));
        boolean present = hw.path("present").asBoolean(false);
        String flagText = flags.isEmpty() ? "no vmx/svm CPU flag" : "flags: " + String.join(", ", flags);
        return (present ? "yes" : "no") + " (" + flagText + ")";
    }

    private static String accel(JsonNode node) {
        String accel = Json.text(node, "/accel");
        String reason = Json.text(node, "/accelReason");
        if (accel == null) {
            return null;
        }
        return reason == null || reason.isBlank() ? accel : accel + ": " + reason;
    }

    private static String cgroupRoot(JsonNode cgroup) {
        String root = Json.text(cgroup, "/root");
        String parent = Json.text(cgroup, "/parent");
        if (root == null) {
            return null;
        }
        return parent == null ? root : root + " (VMs under " + parent + ")";
    }

    private static String controllers(JsonNode cgroup) {
        if (!cgroup.isObject()) {
            return null;
        }
        return "available: " + join(cgroup.path("available")) + "; missing: " + join(cgroup.path("missing"));
    }

    private static String tun(JsonNode tun) {
        if (!tun.isObject()) {
            return null;
        }
        return tun.path("present").asBoolean(false) ? "present" : "missing (no /dev/net/tun: VMs get no network)";
    }

    private static String qemu(JsonNode qemu) {
        String binary = Json.text(qemu, "/binary");
        String version = Json.text(qemu, "/version");
        if (binary == null) {
            return "not found";
        }
        return version == null ? binary : binary + " (version " + version + ")";
    }

    private static String join(JsonNode array) {
        List<String> items = new ArrayList<>();
        array.forEach(i -> items.add(i.asText()));
        return items.isEmpty() ? "none" : String.join(", ", items);
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
