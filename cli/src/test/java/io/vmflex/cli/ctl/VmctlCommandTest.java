package io.vmflex.cli.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.client.FakeDaemon;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class VmctlCommandTest {

    static final Instant NOW = Instant.parse("2026-11-21T19:10:00Z");

    static final String VM = """
            {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine",
             "metadata":{"name":"test-vm","creationTimestamp":"2026-11-21T19:05:00Z","labels":{"app":"pg","tier":"db"}},
             "spec":{"guest":{"cpus":{"min":1,"max":4,"use":2},"memorySlots":{"min":1,"max":4,"use":2},"memorySlotSize":"1Gi"}},
             "status":{"phase":"Running","cpus":2,"memorySize":"2Gi","node":"node-1","restartCount":1,"pid":1234,
                       "accel":"tcg","guest":{"cpusOnline":2,"memoryTotal":2147483648},
                       "conditions":[{"type":"Available","status":"True","reason":"Reconciled",
                                      "lastTransitionTime":"2026-11-21T19:05:03Z","message":"QEMU running"}]}}
            """;
    static final String SMALL_VM = """
            {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine",
             "metadata":{"name":"small","creationTimestamp":"2026-11-19T15:10:00Z"},
             "spec":{"guest":{"cpus":{"min":0.25,"max":1,"use":0.25}}},
             "status":{"phase":"Pending","cpus":0.25,"memorySize":268435456}}
            """;
    static final String LIST = "{\"apiVersion\":\"vm.neon.tech/v1\",\"kind\":\"VirtualMachineList\",\"items\":["
            + VM + "," + SMALL_VM + "]}";
    static final String EVENTS = """
            {"items":[
             {"time":"2026-11-21T19:05:01.123Z","type":"Normal","reason":"Started","vm":"test-vm","message":"QEMU pid 1234 started (accel tcg)"},
             {"time":"2026-11-21T19:06:00Z","type":"Normal","reason":"NodeCheck","message":"accel tcg"},
             {"time":"2026-11-21T19:07:00Z","type":"Warning","reason":"ScaleFailed","vm":"other","message":"nope"}]}
            """;
    static final String NODE = """
            {"name":"node-1","kvm":{"device":"/dev/kvm","apiVersion":12,"maxVcpus":255,"memorySlots":509,"selfTest":"passed","error":null},
             "hardwareVirtualization":{"present":false,"flags":[]},
             "accel":"tcg","accelReason":"no vmx/svm CPU flag: KVM here is a software layer that cannot boot Linux",
             "cgroup":{"root":"/sys/fs/cgroup/unified","parent":"vmflex","available":["hugetlb"],"missing":["cpu","memory"]},
             "tun":{"present":true},
             "qemu":{"binary":"/usr/bin/qemu-system-x86_64","version":"7.2.19"},
             "vms":2}
            """;

    record Result(int exit, String out, String err) {
    }

    @TempDir
    Path dir;

    FakeDaemon daemon;

    @BeforeEach
    void start() throws IOException {
        daemon = new FakeDaemon(dir);
    }

    @AfterEach
    void stop() throws IOException {
        daemon.close();
    }

    Result vmctl(String... args) {
        return vmctlWith(Map.of("VMFLEX_SOCKET", daemon.socket().toString()), "", args);
    }

    Result vmctlWith(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext context = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                Clock.fixed(NOW, ZoneOffset.UTC), env);
        int exit = VmctlCommand.run(args, context);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static JsonNode json(String text) throws IOException {
        return Json.JSON.readTree(text);
    }

    // ---- apply

    @Test
    void shouldPutEachDocumentWhenApplyingMultiDocumentYaml() throws IOException {
        daemon.onJson("PUT /v1/vms/one", 201, "{}").onJson("PUT /v1/vms/two", 200, "{}");
        Path file = Files.writeString(dir.resolve("vms.yaml"), """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: one
                spec:
                  guest:
                    cpus: {min: 1, max: 4, use: 2}
                ---
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata: {name: two}
                """);
        Result r = vmctl("apply", "-f", file.toString());
        assertEquals(new Result(0, """
                virtualmachine.vm.neon.tech/one created
                virtualmachine.vm.neon.tech/two configured
                """, ""), r);
        List<FakeDaemon.Recorded> requests = daemon.requests();
        assertEquals(2, requests.size());
        assertEquals("PUT", requests.get(0).method());
        assertEquals("/v1/vms/one", requests.get(0).path());
        assertEquals("application/json", requests.get(0).contentType());
        assertEquals(json("{\"apiVersion\":\"vm.neon.tech/v1\",\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"one\"},"
                + "\"spec\":{\"guest\":{\"cpus\":{\"min\":1,\"max\":4,\"use\":2}}}}"), json(requests.get(0).bodyText()));
        assertEquals("/v1/vms/two", requests.get(1).path());
    }

    @Test
    void shouldReadStdinWhenFileIsDash() throws IOException {
        daemon.onJson("PUT /v1/vms/from-stdin", 201, "{}");
        Result r = vmctlWith(Map.of("VMFLEX_SOCKET", daemon.socket().toString()),
                "{\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"from-stdin\"}}", "apply", "-f", "-");
        assertEquals(new Result(0, "virtualmachine.vm.neon.tech/from-stdin created\n", ""), r);
        assertEquals(json("{\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"from-stdin\"}}"),
                json(daemon.onlyRequest().bodyText()));
    }

    @Test
    void shouldPrintServerErrorAndExit1WhenApplyIsRejected() throws IOException {
        daemon.onJson("PUT /v1/vms/bad", 422,
                FakeDaemon.error(422, "spec.guest.cpus.use: must be between min (1) and max (4), got 5"));
        Path file = Files.writeString(dir.resolve("bad.yaml"), "metadata: {name: bad}\n");
        Result r = vmctl("apply", "-f", file.toString());
        assertEquals(new Result(1, "",
                "Error from server (Invalid): spec.guest.cpus.use: must be between min (1) and max (4), got 5\n"), r);
    }

    @Test
    void shouldSendNothingWhenApplyFileIsMissing() {
        Result r = vmctl("apply", "-f", dir.resolve("nope.yaml").toString());
        assertEquals(1, r.exit());
        assertEquals("error: the path \"" + dir.resolve("nope.yaml") + "\" does not exist\n", r.err());
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void shouldExit2WhenApplyHasNoFile() {
        Result r = vmctl("apply");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: Missing required option: '--filename=FILE'"), r.err());
    }

    // ---- get

    @Test
    void shouldPrintTableWhenListingVms() {
        daemon.onJson("GET /v1/vms", 200, LIST);
        Result r = vmctl("get", "vms");
        assertEquals(new Result(0, """
                NAME      CPUS   MEMORY   NODE     STATUS    RESTARTS   AGE
                test-vm   2      2Gi      node-1   Running   1          5m
                small     250m   256Mi    <none>   Pending   0          2d4h
                """, ""), r);
        assertEquals("GET", daemon.onlyRequest().method());
        assertEquals("/v1/vms", daemon.onlyRequest().path());
    }

    @Test
    void shouldAddAccelPidAndGuestColumnsWhenWide() {
        daemon.onJson("GET /v1/vms", 200, LIST);
        Result r = vmctl("get", "neonvm", "-o", "wide");
        assertEquals("""
                NAME      CPUS   MEMORY   NODE     STATUS    RESTARTS   AGE    ACCEL    PID      GUEST-CPUS   GUEST-MEMORY   GOAL     PERMIT
                test-vm   2      2Gi      node-1   Running   1          5m     tcg      1234     2            2Gi            <none>   <none>
                small     250m   256Mi    <none>   Pending   0          2d4h   <none>   <none>   <none>       <none>         <none>   <none>
                """, r.out());
    }

    static final String AUTOSCALING = """
            {"vm":"test-vm","rules":"vmflex","min":{"cpu":"1","mem":"1Gi"},"max":{"cpu":"4","mem":"4Gi"},
             "unit":{"cpu":"1","mem":"1Gi"},"use":{"cpu":"2","mem":"2Gi"},"goal":{"cpu":"3","mem":"3Gi"},
             "permit":{"cpu":"2","mem":"2Gi"},"operation":"AwaitingPermit",
             "guest":{"loadAvg1":2.5,"cpuBusyFraction":0.97,"memoryUsed":"1Gi","ageMs":400},
             "lastDecision":{"reason":"UpscaleRequested","at":"2026-11-21T19:09:58Z","message":"asked the scheduler for 3 CPU / 3Gi"}}
            """;

    @Test
    void shouldShowTheAgentsGoalAndPermitWhenWide() {
        daemon.onJson("GET /v1/vms", 200, LIST).onJson("GET /v1/autoscaling", 200,
                "{\"running\":true,\"items\":[" + AUTOSCALING + "]}");
        Result r = vmctl("get", "neonvm", "-o", "wide");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).endsWith("GUEST-MEMORY   GOAL     PERMIT"), r.out());
        assertTrue(lines.get(1).endsWith("2Gi            3/3Gi    2/2Gi"), r.out());
        assertTrue(lines.get(2).endsWith("<none>         <none>   <none>"), r.out());
    }

    @Test
    void shouldAskNoAgentWhenNotWide() {
        daemon.onJson("GET /v1/vms", 200, LIST);
        vmctl("get", "vms");
        assertEquals(List.of("/v1/vms"), daemon.requests().stream().map(FakeDaemon.Recorded::path).toList());
    }

    private static String watchEvent(String type, String vm) {
        return "{\"type\":\"" + type + "\",\"object\":" + vm.replace("\n", "") + "}\n";
    }

    @Test
    void shouldPrintARowPerChangeWhenWatchingVms() {
        daemon.on("GET /v1/vms?watch=true", (req, out) -> {
            out.write(FakeDaemon.chunkedHead(200, "application/x-ndjson"));
            out.write(FakeDaemon.chunk(watchEvent("ADDED", VM) + watchEvent("ADDED", SMALL_VM)));
            out.write(FakeDaemon.chunk(watchEvent("MODIFIED", SMALL_VM.replace("\"Pending\"", "\"Running\""))));
            out.write(FakeDaemon.chunk(watchEvent("DELETED", SMALL_VM)));
            out.write(FakeDaemon.lastChunk());
        });
        Result r = vmctl("get", "vms", "-w");
        assertEquals(new Result(0, """
                NAME                   CPUS     MEMORY     NODE           STATUS         RESTARTS   AGE
                test-vm                2        2Gi        node-1         Running        1          5m
                small                  250m     256Mi      <none>         Pending        0          2d4h
                small                  250m     256Mi      <none>         Running        0          2d4h
                small                  250m     256Mi      <none>         Deleted        0          2d4h
                """, ""), r);
    }

    @Test
    void shouldFollowOnlyTheNamedVmsAndExit1WhenTheDaemonEndsTheWatch() {
        daemon.on("GET /v1/vms?watch=true", (req, out) -> {
            out.write(FakeDaemon.chunkedHead(200, "application/x-ndjson"));
            out.write(FakeDaemon.chunk(watchEvent("ADDED", VM) + watchEvent("ADDED", SMALL_VM)));
            out.write(FakeDaemon.chunk("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":\"Failure\","
                    + "\"message\":\"stream closed by vmmd: the client fell more than 1048576 bytes behind\"}}\n"));
            out.write(FakeDaemon.lastChunk());
        });
        Result r = vmctl("get", "vm", "small", "-w", "-o", "name");
        assertEquals(new Result(1, "virtualmachine.vm.neon.tech/small\n",
                "error: stream closed by vmmd: the client fell more than 1048576 bytes behind\n"), r);
    }

    @Test
    void shouldPrintServerListAsIsWhenOutputIsJson() throws IOException {
        daemon.onJson("GET /v1/vms", 200, LIST);
        Result r = vmctl("get", "virtualmachines", "-o", "json");
        assertEquals(0, r.exit());
        assertEquals(json(LIST), json(r.out()));
    }

    @Test
    void shouldPrintTheObjectWhenGettingOneVmAsYaml() throws IOException {
        daemon.onJson("GET /v1/vms/test-vm", 200, VM);
        Result r = vmctl("get", "vm/test-vm", "-o", "yaml");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("apiVersion: vm.neon.tech/v1\nkind: VirtualMachine\n"), r.out());
        assertEquals(json(VM), Json.YAML.readTree(r.out()));
        assertEquals("/v1/vms/test-vm", daemon.onlyRequest().path());
    }

    @Test
    void shouldPrintOneLineAndExit1WhenVmIsNotFound() {
        daemon.onJson("GET /v1/vms/x", 404, FakeDaemon.error(404, "virtualmachine \"x\" not found"));
        Result r = vmctl("get", "vm", "x");
        assertEquals(new Result(1, "", "Error from server (NotFound): virtualmachine \"x\" not found\n"), r);
    }

    @Test
    void shouldSayNoResourcesWhenListIsEmpty() {
        daemon.onJson("GET /v1/vms", 200, "{\"items\":[]}");
        assertEquals(new Result(0, "", "No resources found\n"), vmctl("get", "vms"));
    }

    @Test
    void shouldExit2WhenResourceTypeIsUnknown() {
        Result r = vmctl("get", "pods");
        assertEquals(2, r.exit());
        assertEquals("""
                error: unknown resource type "pods" (vmctl knows: vm, vms, virtualmachine, neonvm)
                See 'vmctl get --help'.
                """, r.err());
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void shouldExplainInOneLineWhenDaemonIsNotRunning() {
        Path missing = dir.resolve("run/vmmd.sock");
        Result r = vmctlWith(Map.of(), "", "get", "vms", "--socket", missing.toString());
        assertEquals(new Result(1, "", "cannot connect to vmmd at " + missing
                + ": No such file or directory (is the daemon running? see 'vmflex daemon')\n"), r);
    }

    @Test
    void shouldUseSocketOptionBeforeSubcommandWhenGiven() {
        daemon.onJson("GET /v1/vms", 200, "{\"items\":[]}");
        Result r = vmctlWith(Map.of("VMFLEX_SOCKET", "/nonexistent.sock"), "",
                "--socket", daemon.socket().toString(), "get", "vms");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, daemon.requests().size());
    }

    @Test
    void shouldPrintStackTraceOnlyWhenDebugIsSet() {
        Path missing = dir.resolve("absent.sock");
        Result quiet = vmctlWith(Map.of("VMFLEX_SOCKET", missing.toString()), "", "get", "vms");
        assertFalse(quiet.err().contains("\tat "), quiet.err());
        Result debug = vmctlWith(Map.of("VMFLEX_SOCKET", missing.toString(), "VMFLEX_DEBUG", "1"), "", "get", "vms");
        assertTrue(debug.err().contains("\tat io.vmflex.client.AdminClient"), debug.err());
    }

    // ---- describe

    @Test
    void shouldShowSpecStatusConditionsAndOwnEventsWhenDescribing() {
        daemon.onJson("GET /v1/vms/test-vm", 200, VM).onJson("GET /v1/events?vm=test-vm", 200, EVENTS);
        Result r = vmctl("describe", "vm", "test-vm");
        assertEquals(new Result(0, """
                Name:     test-vm
                Labels:   app=pg
                          tier=db
                Created:  2026-11-21T19:05:00Z (5m ago)
                Spec:
                  CPUs:          min 1, use 2, max 4
                  Memory slots:  min 1, use 2, max 4 × 1Gi (use 2Gi, max 4Gi)
                Status:
                  Phase:              Running
                  CPUs:               2
                  Memory:             2Gi
                  Node:               node-1
                  Restarts:           1
                  PID:                1234
                  Accel:              tcg
                  Guest CPUs online:  2
                  Guest memory:       2Gi
                Conditions:
                  TYPE        STATUS   REASON       LAST TRANSITION        MESSAGE
                  Available   True     Reconciled   2026-11-21T19:05:03Z   QEMU running
                Events:
                  TIME                   TYPE     REASON    VM        MESSAGE
                  2026-11-21T19:05:01Z   Normal   Started   test-vm   QEMU pid 1234 started (accel tcg)
                """, ""), r);
        assertEquals(List.of("/v1/vms/test-vm", "/v1/events?vm=test-vm"),
                daemon.requests().stream().map(FakeDaemon.Recorded::path).toList());
    }

    @Test
    void shouldShowTheAgentsViewOfAnAutoscaledVm() {
        String labelled = VM.replace("\"tier\":\"db\"", "\"tier\":\"db\",\"autoscaling.neon.tech/enabled\":\"true\"");
        daemon.onJson("GET /v1/vms/test-vm", 200, labelled).onJson("GET /v1/vms/test-vm/autoscaling", 200, AUTOSCALING)
                .onJson("GET /v1/events?vm=test-vm", 200, "{\"items\":[]}");
        Result r = vmctl("describe", "vm", "test-vm");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("""
                Autoscaling:
                  Rules:          vmflex
                  Bounds:         1 CPU / 1Gi .. 4 CPU / 4Gi (unit 1 CPU / 1Gi)
                  Use:            2 CPU / 2Gi
                  Goal:           3 CPU / 3Gi
                  Permit:         2 CPU / 2Gi
                  Doing:          AwaitingPermit
                  Guest:          load 2.5, CPU busy 97%, memory used 1Gi (400 ms old)
                  Last decision:  UpscaleRequested (2s ago): asked the scheduler for 3 CPU / 3Gi
                Conditions:"""), r.out());
    }

    @Test
    void shouldNameTheFieldsVmflexIgnores() {
        String pod = VM.replace("\"spec\":{", "\"spec\":{\"podResources\":{\"limits\":{\"cpu\":\"1\"}},\"qmp\":20183,");
        daemon.onJson("GET /v1/vms/test-vm", 200, pod).onJson("GET /v1/events?vm=test-vm", 200, "{\"items\":[]}");
        Result r = vmctl("describe", "vm", "test-vm");
        assertTrue(r.out().contains("""
                Ignored fields (accepted for NeonVM compatibility, not used by vmflex):
                  spec.podResources: only a Kubernetes pod uses it
                Status:"""), r.out());
    }

    @Test
    void shouldSayWhyAnAutoscaledVmHasNoAgentView() {
        String labelled = VM.replace("\"tier\":\"db\"", "\"tier\":\"db\",\"autoscaling.neon.tech/enabled\":\"true\"");
        daemon.onJson("GET /v1/vms/test-vm", 200, labelled).onJson("GET /v1/vms/test-vm/autoscaling", 404,
                        FakeDaemon.error(404, "no autoscaler agent runs on this node (it runs under `vmflex up`)"))
                .onJson("GET /v1/events?vm=test-vm", 200, "{\"items\":[]}");
        Result r = vmctl("describe", "vm", "test-vm");
        assertTrue(r.out().contains("Autoscaling:  <no autoscaler agent runs on this node (it runs under `vmflex up`)>\n"),
                r.out());
    }

    @Test
    void shouldStillDescribeWhenEventsFail() {
        daemon.onJson("GET /v1/vms/small", 200, SMALL_VM)
                .onJson("GET /v1/events?vm=small", 500, FakeDaemon.error(500, "event log unavailable"));
        Result r = vmctl("describe", "vm", "small");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("  CPUs:          min 250m, use 250m, max 1\n"), r.out());
        assertTrue(r.out().contains("Conditions:  <none>\n"), r.out());
        assertTrue(r.out().endsWith(
                "Events:  <unavailable: Error from server (InternalError): event log unavailable>\n"), r.out());
    }

    @Test
    void shouldShowTheLastMigrationWhenDescribing() {
        String migrated = SMALL_VM.replace("\"status\":{", "\"status\":{\"migration\":{\"id\":\"m1\",\"target\":\"node-2\","
                + "\"phase\":\"Failed\",\"reason\":\"ProgressTimeout\",\"transferredBytes\":18874368,\"downtimeMs\":0,"
                + "\"switchoverMs\":0,\"totalMs\":5600,\"message\":\"no progress for 5 s\",\"encryption\":\"AES-256-GCM\"},");
        daemon.onJson("GET /v1/vms/small", 200, migrated).onJson("GET /v1/events?vm=small", 200, "{\"items\":[]}");
        Result r = vmctl("describe", "vm", "small");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("""
                Migration:
                  ID:           m1
                  Target:       node-2
                  Phase:        Failed (ProgressTimeout)
                  Transferred:  18Mi
                  Downtime:     0ms (guest paused 0ms in all)
                  Total:        5600ms
                  Encryption:   AES-256-GCM
                  Message:      no progress for 5 s
                """), r.out());
    }

    // ---- delete, patch, scale

    @Test
    void shouldSendDeleteAndConfirmWhenDeleting() {
        daemon.onJson("DELETE /v1/vms/test-vm", 200, VM);
        assertEquals(new Result(0, "virtualmachine.vm.neon.tech \"test-vm\" deleted\n", ""),
                vmctl("delete", "vm", "test-vm"));
        assertEquals("DELETE", daemon.onlyRequest().method());
    }

    @Test
    void shouldSendMergePatchWhenTypeIsMerge() throws IOException {
        daemon.onJson("PATCH /v1/vms/test-vm", 200, VM);
        Result r = vmctl("patch", "vm", "test-vm", "--type=merge", "-p", "{\"spec\":{\"guest\":{\"cpus\":{\"use\":3}}}}");
        assertEquals(new Result(0, "virtualmachine.vm.neon.tech/test-vm patched\n", ""), r);
        FakeDaemon.Recorded request = daemon.onlyRequest();
        assertEquals("PATCH", request.method());
        assertEquals("application/merge-patch+json", request.contentType());
        assertEquals(json("{\"spec\":{\"guest\":{\"cpus\":{\"use\":3}}}}"), json(request.bodyText()));
    }

    @Test
    void shouldSendJsonPatchFromFileWhenTypeIsJson() throws IOException {
        daemon.onJson("PATCH /v1/vms/test-vm", 200, VM);
        Path file = Files.writeString(dir.resolve("p.yaml"), "- op: replace\n  path: /spec/guest/memorySlots/use\n  value: 3\n");
        Result r = vmctl("patch", "vm", "test-vm", "--type", "json", "--patch-file", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("application/json-patch+json", daemon.onlyRequest().contentType());
        assertEquals(json("[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":3}]"),
                json(daemon.onlyRequest().bodyText()));
    }

    @Test
    void shouldExit2WhenPatchShapeDoesNotMatchType() {
        Result r = vmctl("patch", "vm", "test-vm", "--type", "json", "-p", "{\"spec\":{}}");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: a json patch must be an array of operations\n"), r.err());
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void shouldReplaceCpusAndMemorySlotsWhenScaling() throws IOException {
        daemon.onJson("PATCH /v1/vms/test-vm", 200, VM);
        Result r = vmctl("scale", "vm", "test-vm", "--cpus", "250m", "--memory-slots", "3");
        assertEquals(new Result(0, "virtualmachine.vm.neon.tech/test-vm scaled\n", ""), r);
        FakeDaemon.Recorded request = daemon.onlyRequest();
        assertEquals("PATCH", request.method());
        assertEquals("application/json-patch+json", request.contentType());
        assertEquals("[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":0.25},"
                + "{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":3}]", request.bodyText());
    }

    @Test
    void shouldSendWholeCpusAsIntegerWhenScalingCpusOnly() {
        daemon.onJson("PATCH /v1/vms/test-vm", 200, VM);
        assertEquals(0, vmctl("scale", "vm", "test-vm", "--cpus", "2").exit());
        assertEquals("[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":2}]",
                daemon.onlyRequest().bodyText());
    }

    @Test
    void shouldExit2AndSendNothingWhenScaleHasNoOption() {
        Result r = vmctl("scale", "vm", "test-vm");
        assertEquals(new Result(2, "", """
                error: at least one of --cpus or --memory-slots is required
                See 'vmctl scale --help'.
                """), r);
        assertTrue(daemon.requests().isEmpty());
    }

    @Test
    void shouldPrintServerValidationErrorWhenScaleIsOutOfRange() {
        daemon.onJson("PATCH /v1/vms/test-vm", 422,
                FakeDaemon.error(422, "spec.guest.cpus.use: must be between min (1) and max (4), got 5"));
        assertEquals(new Result(1, "",
                        "Error from server (Invalid): spec.guest.cpus.use: must be between min (1) and max (4), got 5\n"),
                vmctl("scale", "vm", "test-vm", "--cpus", "5"));
    }

    // ---- migrate

    @Test
    void shouldPollAndPrintALinePerPhaseThenTheSummaryWhenMigratingWithWait() {
        daemon.onJson("POST /v1/vms/test-vm/migrate", 202, """
                {"id":"m1","vm":"test-vm","target":"10.0.0.2:7451","phase":"Preparing"}""");
        String[] polls = {
            """
            {"id":"m1","vm":"test-vm","target":"10.0.0.2:7451","phase":"Migrating",
             "message":"copying the root disk's writes to the target: 16.0 of 41.0 MiB"}""",
            """
            {"id":"m1","vm":"test-vm","target":"10.0.0.2:7451","phase":"Migrating","transferredBytes":52428800,
             "remainingBytes":52428800,"rateBytesPerSecond":5242880,"dirtyRateBytesPerSecond":4096,"expectedDowntimeMs":31}""",
            """
            {"id":"m1","vm":"test-vm","target":"10.0.0.2:7451","phase":"Completed","message":"the VM runs on 10.0.0.2:7451",
             "transferredBytes":104857600,"downtimeMs":29,"switchoverMs":33,"totalMs":1025}"""};
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        daemon.on("GET /v1/migrations/m1", (req, out) -> out.write(FakeDaemon.fixed(200, "application/json",
                polls[Math.min(n.getAndIncrement(), polls.length - 1)])));
        Result r = vmctl("migrate", "vm", "test-vm", "--to", "10.0.0.2:7451", "--wait", "--progress", "lines");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Migrating [##########..........]  50%  50Mi/100Mi  5Mi/s  dirty 4Ki/s  expected downtime 31 ms"),
                r.out());
        assertTrue(r.out().contains("Migrating copying the root disk's writes to the target: 16.0 of 41.0 MiB"),
                "before QEMU sends RAM the line says what runs: " + r.out());
        assertTrue(r.out().contains("Completed") && r.out().contains("downtime 29 ms (guest paused 33 ms in all)"), r.out());
        String body = daemon.requests().getFirst().bodyText();
        assertTrue(body.contains("\"target\":\"10.0.0.2:7451\"") && body.contains("\"downtimeLimitMs\":300"), body);
    }

    @Test
    void shouldExit1WhenTheMigrationFailedAndTheVmStayed() {
        daemon.onJson("POST /v1/vms/test-vm/migrate", 202, """
                {"id":"m2","vm":"test-vm","target":"10.0.0.3:7451","phase":"Preparing"}""");
        daemon.onJson("GET /v1/migrations/m2", 200, """
                {"id":"m2","vm":"test-vm","target":"10.0.0.3:7451","phase":"Failed","reason":"PrepareFailed","message":"AUTH_FAILED"}""");
        Result r = vmctl("migrate", "vm", "test-vm", "--to", "10.0.0.3:7451", "--wait", "--progress", "lines");
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("Failed (PrepareFailed)") && r.out().contains("AUTH_FAILED"), r.out());
    }

    @Test
    void shouldRewriteOneLineInPlaceWithProgressBar() {
        daemon.onJson("POST /v1/vms/test-vm/migrate", 202, """
                {"id":"m5","vm":"test-vm","target":"10.0.0.2:7451","phase":"Migrating","transferredBytes":1048576,
                 "remainingBytes":3145728}""");
        daemon.onJson("GET /v1/migrations/m5", 200, """
                {"id":"m5","vm":"test-vm","target":"10.0.0.2:7451","phase":"Cancelled","reason":"Cancelled",
                 "transferredBytes":2097152,"remainingBytes":2097152}""");
        Result r = vmctl("migrate", "vm", "test-vm", "--to", "10.0.0.2:7451", "--wait", "--progress", "bar");
        assertEquals(1, r.exit());
        assertTrue(r.out().startsWith("\rMigrating [#####...............]  25%"), r.out());
        assertTrue(r.out().contains("\rCancelled [##########..........]  50%"), r.out());
        assertTrue(r.out().contains("Cancelled (Cancelled)"), r.out());
    }

    @Test
    void shouldCancelByIdAndByVmName() {
        daemon.onJson("POST /v1/migrations/m3/cancel", 202, """
                {"id":"m3","vm":"test-vm","phase":"Migrating"}""");
        daemon.onJson("POST /v1/vms/test-vm/migrate/cancel", 202, """
                {"id":"m3","vm":"test-vm","phase":"Migrating"}""");
        Result byId = vmctl("migrate", "cancel", "m3");
        assertEquals(0, byId.exit(), byId.err());
        assertTrue(byId.out().contains("migration m3 of test-vm: cancel requested"), byId.out());
        Result byVm = vmctl("migrate", "cancel", "vm", "test-vm");
        assertEquals(0, byVm.exit(), byVm.err());
        assertEquals(List.of("POST /v1/migrations/m3/cancel", "POST /v1/vms/test-vm/migrate/cancel"),
                daemon.requests().stream().map(q -> q.method() + " " + q.path()).toList());
    }

    @Test
    void shouldExit1WithTheServersLineWhenCancellingAFinishedMigration() {
        daemon.onJson("POST /v1/migrations/m4/cancel", 409, FakeDaemon.error(409,
                "migration m4 cannot be cancelled: it is Completed"));
        Result r = vmctl("migrate", "cancel", "m4");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("cannot be cancelled: it is Completed") && r.err().lines().count() == 1, r.err());
    }

    @Test
    void shouldSendTheMultifdChannelsWhenAsked() {
        daemon.onJson("POST /v1/vms/test-vm/migrate", 202, """
                {"id":"m3","vm":"test-vm","target":"10.0.0.2:7451","phase":"Preparing"}""");
        assertEquals(0, vmctl("migrate", "vm", "test-vm", "--to", "10.0.0.2:7451", "--multifd", "4").exit());
        String body = daemon.onlyRequest().bodyText();
        assertTrue(body.contains("\"multifdChannels\":4"), body);
    }

    @Test
    void shouldExit2WithoutATarget() {
        assertEquals(2, vmctl("migrate", "vm", "test-vm").exit());
        assertTrue(daemon.requests().isEmpty());
    }

    // ---- logs, events

    @Test
    void shouldStreamConsoleWhenFollowingLogs() {
        daemon.on("GET /v1/vms/test-vm/console?tail=10&follow=true", (req, out) -> {
            out.write(FakeDaemon.chunkedHead(200, "text/plain"));
            out.write(FakeDaemon.chunk("[    0.000000] Linux version 6.1\r\nlogin"));
            out.write(FakeDaemon.chunk(": \n"));
            out.write(FakeDaemon.lastChunk());
        });
        Result r = vmctl("logs", "vm", "test-vm", "-f", "--tail", "10");
        assertEquals(new Result(0, "[    0.000000] Linux version 6.1\nlogin: \n", ""), r);
    }

    @Test
    void shouldAcceptBareNameWhenGettingLogs() {
        daemon.on("GET /v1/vms/test-vm/console", (req, out) -> out.write(FakeDaemon.fixed(200, "text/plain", "a\nb\n")));
        assertEquals(new Result(0, "a\nb\n", ""), vmctl("logs", "test-vm"));
    }

    @Test
    void shouldListEventsAsTableWhenNotWatching() {
        daemon.onJson("GET /v1/events", 200, EVENTS);
        Result r = vmctl("events");
        assertEquals(new Result(0, """
                TIME                   TYPE      REASON        VM        MESSAGE
                2026-11-21T19:05:01Z   Normal    Started       test-vm   QEMU pid 1234 started (accel tcg)
                2026-11-21T19:06:00Z   Normal    NodeCheck     <none>    accel tcg
                2026-11-21T19:07:00Z   Warning   ScaleFailed   other     nope
                """, ""), r);
    }

    @Test
    void shouldPrintOneLinePerEventWhenWatchingOneVm() {
        daemon.on("GET /v1/events?watch=true&vm=test-vm", (req, out) -> {
            out.write(FakeDaemon.chunkedHead(200, "application/x-ndjson"));
            out.write(FakeDaemon.chunk("{\"time\":\"2026-11-21T19:10:00.5Z\",\"type\":\"Normal\",\"reason\":\"Scaled\","
                    + "\"vm\":\"test-vm\",\"message\":\"cpus 2 -> 3\"}\n\n"));
            out.write(FakeDaemon.chunk("{\"time\":\"2026-11-21T19:10:01Z\",\"type\":\"Normal\",\"reason\":\"Other\","
                    + "\"vm\":\"other\",\"message\":\"filtered out\"}\nnot json\n"));
            out.write(FakeDaemon.lastChunk());
        });
        Result r = vmctl("events", "--vm", "test-vm", "-w");
        assertEquals(0, r.exit());
        assertEquals("""
                TIME                   TYPE      REASON               VM                 MESSAGE
                2026-11-21T19:10:00Z   Normal    Scaled               test-vm            cpus 2 -> 3
                """, r.out());
        assertEquals("warning: skipping a line that is not an event: not json\n", r.err());
    }

    // ---- check-node

    @Test
    void shouldPrintReadableReportWhenCheckingNode() {
        daemon.onJson("GET /v1/node", 200, NODE);
        Result r = vmctl("check-node");
        assertEquals(new Result(0, """
                Node:                     node-1
                KVM device:               /dev/kvm
                KVM API version:          12
                KVM max vCPUs:            255
                KVM memory slots:         509
                KVM self-test:            passed
                Hardware virtualisation:  no (no vmx/svm CPU flag)
                Accelerator:              tcg: no vmx/svm CPU flag: KVM here is a software layer that cannot boot Linux
                cgroup v2 root:           /sys/fs/cgroup/unified (VMs under vmflex)
                cgroup controllers:       available: hugetlb; missing: cpu, memory
                tun:                      present
                QEMU:                     /usr/bin/qemu-system-x86_64 (version 7.2.19)
                VMs:                      2
                """, ""), r);
    }

    @Test
    void shouldPrintNodeInfoAsJsonWhenAsked() throws IOException {
        daemon.onJson("GET /v1/node", 200, NODE);
        Result r = vmctl("check-node", "-o", "json");
        assertEquals(0, r.exit());
        assertEquals(json(NODE), json(r.out()));
    }

    @Test
    void shouldPrintHelpWithSubcommandsWhenRunWithoutArguments() {
        Result r = vmctl();
        assertEquals(0, r.exit());
        for (String command : List.of("apply", "get", "describe", "delete", "patch", "scale", "logs", "events",
                "check-node")) {
            assertTrue(r.out().contains("\n  " + command + " "), command + " missing in:\n" + r.out());
        }
    }
}
