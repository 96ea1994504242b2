package io.vmflex.vmm.it;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to a real vmmd: every invalid spec or malformed request gets a 4xx with a one-line
 * message naming the problem (the field, for specs), and nothing is stored.
 */
class AdminApiIT {
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-api");
    private static TestDaemon daemon;
    private static UnixHttp http;
    private static String valid;

    @BeforeAll
    static void start() throws Exception {
        daemon = daemons.startWithoutImages("node-api");
        http = daemon.http();
        valid = TestVm.yaml();
    }

    private static void assertRejected(UnixHttp.Response r, int status, String mustMention) {
        assertEquals(status, r.status(), r.body());
        String msg = r.json().path("error").path("message").asText();
        assertEquals(status, r.json().path("error").path("code").asInt());
        assertTrue(msg.contains(mustMention), "message \"" + msg + "\" does not mention " + mustMention);
        assertEquals(1, msg.lines().count(), "error message is not one line: " + msg);
    }

    private static void assertNothingStored() throws Exception {
        assertEquals(0, http.get("/v1/vms").json().path("items").size());
        try (Stream<Path> s = Files.list(daemon.stateDir().resolve("vms"))) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void shouldNameTheFieldWhenUseAboveMax() throws Exception {
        assertRejected(http.send("POST", "/v1/vms", "application/yaml", valid.replace("use: 1", "use: 5")), 422,
                "spec.guest.cpus.use");
        assertNothingStored();
    }

    @Test
    void shouldNameTheFieldWhenSlotSizeNotMultipleOf8Mi() throws Exception {
        assertRejected(http.send("POST", "/v1/vms", "application/yaml", valid.replace("memorySlotSize: 128Mi", "memorySlotSize: 100Mi")),
                422, "spec.guest.memorySlotSize");
        assertNothingStored();
    }

    @Test
    void shouldNameTheFieldWhenUnknownFieldGiven() throws Exception {
        assertRejected(http.send("POST", "/v1/vms", "application/yaml", valid.replace("guest:", "guest:\n    bogusField: 1")),
                422, "bogusField");
        assertNothingStored();
    }

    @Test
    void shouldNameTheFieldWhenTypeWrong() throws Exception {
        assertRejected(http.send("POST", "/v1/vms", "application/json",
                "{\"apiVersion\":\"vm.neon.tech/v1\",\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"x\"},"
                        + "\"spec\":{\"guest\":{\"cpus\":{\"min\":1,\"use\":1,\"max\":2},\"memorySlotSize\":\"128Mi\","
                        + "\"memorySlots\":{\"min\":\"many\",\"use\":1,\"max\":2}}}}"), 422, "spec.guest.memorySlots.min");
        assertNothingStored();
    }

    @Test
    void shouldRejectMalformedJson() throws Exception {
        UnixHttp.Response r = http.send("POST", "/v1/vms", "application/json", "{\"apiVersion\": ");
        assertTrue(r.status() == 400 || r.status() == 422, r.body());
        assertNothingStored();
    }

    @Test
    void shouldRejectUnknownImageWithoutStoringAnything() throws Exception {
        assertRejected(http.send("POST", "/v1/vms", "application/yaml", valid), 422, "spec.guest.rootDisk.image");
        assertNothingStored();
    }

    @Test
    void shouldRefuseFieldsVmflexDoesNotDoByPathWithoutStoringAnything() throws Exception {
        String withDisk = valid.replace("spec:", "spec:\n  disks:\n    - {name: cfg, mountPath: /etc/cfg, configMap: {name: c}}");
        assertRejected(http.send("POST", "/v1/vms", "application/yaml", withDisk), 422, "not supported by vmflex: spec.disks.configMap");
        assertNothingStored();
    }

    @Test
    void shouldSayNoAgentRunsUnderAPlainDaemon() throws Exception {
        var list = http.get("/v1/autoscaling");
        assertEquals(200, list.status(), list.body());
        assertFalse(list.json().path("running").asBoolean(true));
        assertRejected(http.get("/v1/vms/nope/autoscaling"), 404, "nope");
    }

    @Test
    void shouldAnswer404ForUnknownVmAndRoute() throws Exception {
        assertRejected(http.get("/v1/vms/nope"), 404, "nope");
        assertRejected(http.get("/v2/whatever"), 404, "/v2/whatever");
        assertRejected(http.send("PATCH", "/v1/vms/nope", "application/json-patch+json", "[]"), 404, "nope");
    }

    @Test
    void shouldAnswer405ForWrongMethod() throws Exception {
        assertRejected(http.send("DELETE", "/v1/vms", null, null), 405, "DELETE");
    }

    @Test
    void shouldRejectGarbageBytesOnTheSocket() throws Exception {
        UnixHttp.Response r = http.raw("\u0000\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(400, r.status(), r.body());
        assertEquals(200, http.get("/v1/node").status(), "daemon stopped serving after garbage");
    }

    @Test
    void shouldRejectBodiesOverOneMebibyte() throws Exception {
        String big = "x".repeat(2 * 1024 * 1024);
        UnixHttp.Response r = http.send("POST", "/v1/vms", "application/json", big);
        assertEquals(413, r.status());
        assertNothingStored();
    }

    @Test
    void shouldReportNodeCheck() throws Exception {
        var node = http.get("/v1/node").json();
        assertEquals("node-api", node.path("name").asText());
        assertTrue(List.of("kvm", "tcg").contains(node.path("accel").asText()));
        assertTrue(node.path("accelReason").asText().length() > 10);
        assertTrue(node.path("qemu").path("version").asText().matches("\\d+\\.\\d+.*"), node.toString());
    }
}
