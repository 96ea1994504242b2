package io.vmflex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.agent.AgentService;
import io.vmflex.agent.core.Decision;
import io.vmflex.agent.core.DecisionKind;
import io.vmflex.agent.core.DecisionText;
import io.vmflex.agent.core.LatencySample;
import io.vmflex.agent.core.ScalingConfig;
import io.vmflex.agent.runner.EventSink;
import io.vmflex.api.autoscaling.ComputeUnit;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.cli.timeline.Timeline;
import io.vmflex.cli.timeline.TimelineChart;
import io.vmflex.cli.timeline.TimelineText;
import io.vmflex.cli.up.DaemonEventSink;
import io.vmflex.cli.up.SchedulerAdmission;
import io.vmflex.client.AdminClient;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL half of {@code vmflex demo}, autoscaled: what {@code vmflex up} runs (a private
 * vmmd with its own bridge, the agent through the admin socket, the in-process scheduler) boots
 * examples/postgres-autoscaling-vm.yaml, a CPU-heavy pgbench runs against it from the host, and
 * nobody patches anything: the vCPUs grow, then shrink after pgbench stops; then allocate-loop in
 * the guest's workload cgroup ramps memory and the memory follows, then is given back. A
 * second-by-second timeline is printed and written as a self-contained HTML chart.
 */
final class PostgresDemo {
    private static final Pattern READY = Pattern.compile("vmflex-guest: postgres ready on ([0-9.]+):5432");
    private static final Pattern TPS = Pattern.compile("progress: [0-9.]+ s, ([0-9.]+) tps");
    private static final String VM = "postgres-vm";
    private static final Set<DecisionKind> SHOWN = EnumSet.of(DecisionKind.SCALED_UP, DecisionKind.SCALED_DOWN,
            DecisionKind.UPSCALE_DENIED, DecisionKind.UPSCALE_PARTIAL, DecisionKind.DOWNSCALE_DENIED,
            DecisionKind.MONITOR_UPSCALE_REQUESTED);

    private final Path root;
    private final Path images;
    private final Timeline timeline = new Timeline("vmflex demo: PostgreSQL autoscaled under pgbench and allocate-loop");
    private final long t0 = System.nanoTime();
    private volatile double tps = Double.NaN;
    private AdminClient api;

    PostgresDemo(Path root, Path images) {
        this.root = root;
        this.images = images;
    }

    private double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    int run() throws Exception {
        Path state = Files.createTempDirectory(Path.of("/tmp"), "vmflex-demo");
        VmmdConfig d = VmmdConfig.defaults("demo-node");
        VmmdConfig config = new VmmdConfig(state, state.resolve("vmmd.sock"), "demo-node", images, d.qemuBinary(),
                null, d.socketMode(), d.devKvm(), null, "vmflex-demo", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(),
                new VmmdConfig.Network("vmfdbr0", "10.73.0.0/24", "vmfd"));
        DemoCommand.say("starting vmmd, the autoscaler agent and the scheduler (state " + state + ", bridge vmfdbr0 10.73.0.0/24)");
        Scheduler scheduler = new Scheduler(new SchedulerConfig(new Amount(0, 512L << 20), 0.9, SchedulerConfig.NEON_UNIT));
        scheduler.addNode("demo-node", new Amount(Runtime.getRuntime().availableProcessors() * 1000L, 8L << 30));
        try (Vmmd vmmd = Vmmd.start(config); AdminClient client = new AdminClient(config.socket())) {
            api = client;
            vmmd.admission(new SchedulerAdmission(scheduler, "demo-node"));
            try (AgentService agent = new AgentService(new AgentService.Config(config.socket(), "demo-node",
                    ScalingConfig.vmflex(), ComputeUnit.DEFAULT), scheduler, new DaemonEventSink(vmmd.events(), marks()))) {
                vmmd.autoscaling(agent);
                agent.start();
                return demo(state);
            }
        }
    }

    private EventSink marks() {
        return new EventSink() {
            @Override
            public void decision(Decision d) {
                if (SHOWN.contains(d.kind())) {
                    String label = DecisionText.reason(d.kind()) + " " + DecisionText.message(d);
                    timeline.mark(now(), label);
                    System.out.println(TimelineText.line(new Timeline.Mark(now(), label)));
                }
            }

            @Override
            public void latency(LatencySample sample) {
            }
        };
    }

    private int demo(Path state) throws Exception {
        Path manifest = root.resolve("examples/postgres-autoscaling-vm.yaml");
        var created = api.request("PUT", "/v1/vms/" + VM, "application/yaml", Files.readAllBytes(manifest));
        if (created.status() != 201) {
            throw new IllegalStateException("create failed: " + created.bodyText());
        }
        try {
            DemoCommand.say("applied " + manifest.getFileName() + ": autoscaled, 1..2 vCPUs, 512 MiB..2 GiB, unit 1 vCPU/512 MiB");
            String ip = awaitConsole(READY, Duration.ofSeconds(180)).group(1);
            timeline.mark(now(), "PostgreSQL ready on " + ip);
            DemoCommand.say(String.format("PostgreSQL ready on %s:5432 at %.1f s", ip, now()));
            Thread sampler = Thread.ofVirtual().start(this::sample);
            Map<String, String> env = Map.of("PGHOST", ip, "PGUSER", "app", "PGPASSWORD", "change-me", "PGDATABASE", "appdb");
            run(env, "pgbench", "-i", "-s", "2");
            System.out.println(TimelineText.header());

            timeline.mark(now(), "pgbench -c 4 -T 60 starts (from the host)");
            Process bench = start(env, "pgbench", "-c", "4", "-j", "2", "-T", "60", "-P", "1");
            Thread out = Thread.ofVirtual().start(() -> follow(bench));
            int exit = bench.waitFor();
            out.join();
            tps = Double.NaN;
            timeline.mark(now(), "pgbench exited " + exit);
            DemoCommand.say("pgbench exited " + exit + (exit == 0 ? " (0 failed transactions, no connection dropped)" : ""));

            // After pgbench the agent shrinks the VM once its 20 s window is over; if the guest then asks
            // for memory at once (the unplug's own pressure), memory stays at that level for 200 s.
            awaitConsole(Pattern.compile("allocate-loop: [0-9]+ MiB"), Duration.ofSeconds(180));
            timeline.mark(now(), "allocate-loop starts in the guest's workload cgroup (to 1000 MiB)");
            DemoCommand.say(String.format("allocate-loop started in the guest at %.1f s; VM now %s", now(), describe(vm())));
            await("memory grown past 1 GiB for allocate-loop", Duration.ofSeconds(90), vm -> memMiB(vm) > 1024);
            await("memory given back after allocate-loop let go", Duration.ofSeconds(420), vm -> memMiB(vm) <= 1024);
            DemoCommand.say("VM now " + describe(vm()));
            sampler.interrupt();
            sampler.join();

            String console = console(2000);
            boolean oom = console.contains("Out of memory") || console.contains("oom-kill");
            DemoCommand.say(oom ? "the guest's console shows an OOM kill" : "no OOM kill on the guest's console");
            Path html = root.resolve("build/demo/autoscaling.html");
            Files.createDirectories(html.getParent());
            Files.writeString(html, TimelineChart.html(timeline));
            DemoCommand.say("timeline chart: " + html + " (self-contained, opens offline)");
            return exit == 0 && !oom ? 0 : 1;
        } finally {
            // A failed wait must not leave a running VM behind the demo.
            api.request("DELETE", "/v1/vms/" + VM, null, null);
            DemoCommand.say("deleted the VM; stopping");
        }
    }

    private void sample() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                JsonNode vm = vm();
                JsonNode m = ApiMapper.json().readTree(api.request("GET", "/v1/vms/" + VM + "/metrics", null, null).body());
                JsonNode g = m.path("metrics");
                double used = g.has("memTotalBytes") ? g.path("memTotalBytes").asDouble() - g.path("memAvailableBytes").asDouble()
                        : Double.NaN;
                Timeline.Sample s = new Timeline.Sample(now(), g.path("loadAvg1").asDouble(Double.NaN),
                        m.path("host").path("cpuBusy").asDouble(Double.NaN),
                        cpus(vm),
                        memMiB(vm) * 1024.0 * 1024, used, tps);
                timeline.add(s);
                System.out.println(TimelineText.line(s));
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // the VM is starting or going: no sample this second
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private static String describe(JsonNode vm) {
        return vm.path("status").path("cpus").asText() + " vCPU, " + memMiB(vm) + " MiB";
    }

    private static double cpus(JsonNode vm) {
        JsonNode cpus = vm.path("status").path("cpus");
        return cpus.isMissingNode() ? Double.NaN : io.vmflex.api.vm.MilliCpu.parse(cpus.asText()).millis() / 1000.0;
    }

    private static long memMiB(JsonNode vm) {
        String text = vm.path("status").path("memorySize").asText("0");
        return io.vmflex.api.vm.ByteQuantity.parse(text).bytes() >> 20;
    }

    private JsonNode vm() throws Exception {
        return ApiMapper.json().readTree(api.request("GET", "/v1/vms/" + VM, null, null).requireSuccess().body());
    }

    private void await(String what, Duration timeout, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(vm())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("demo: not seen within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(500);
        }
        timeline.mark(now(), what);
        DemoCommand.say(String.format("%s at %.1f s", what, now()));
    }

    private String console(int lines) throws Exception {
        return api.request("GET", "/v1/vms/" + VM + "/console?tail=" + lines, null, null).bodyText();
    }

    private Matcher awaitConsole(Pattern p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(console(200));
            if (m.find()) {
                return m;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the guest did not print " + p.pattern() + " within " + timeout.toSeconds() + " s");
    }

    private void follow(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher m = TPS.matcher(line);
                if (m.find()) {
                    tps = Double.parseDouble(m.group(1));
                } else if (line.contains("failed") || line.contains("error") || line.startsWith("tps")) {
                    System.out.println("[pgbench] " + line);
                }
            }
        } catch (java.io.IOException ignored) {
            // pgbench ended
        }
    }

    private static Process start(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String run(Map<String, String> env, String... cmd) throws Exception {
        Process p = start(env, cmd);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
        }
        return out;
    }
}
