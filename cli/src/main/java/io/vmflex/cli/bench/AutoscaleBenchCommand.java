package io.vmflex.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.client.Response;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * {@code vmflex bench autoscale}: how fast a real QEMU VM under {@code vmflex up} gets resources
 * when its guest needs them, with vmflex's rules and, as the baseline in the same run, Neon's
 * (load average only, metrics every 5 s). Nobody patches anything: the guest runs a schedule
 * ({@link AutoscaleGuestScripts}) and the benchmark listens to its console and the node's events.
 *
 * <p>Two phases, each on a fresh {@code vmflex up} per rule set:
 * <ol>
 *   <li>load: one VM with 1..2 vCPUs and fixed memory, one compute unit is 1 vCPU; per run the guest
 *       burns all its vCPUs' worth of busy loops, then stops. Measures load step → 2nd vCPU online,
 *       load stop → back to 1 vCPU, resizes while the load lasts, and how much CPU the host gave the
 *       loaded VM (what vmflex's fast signal reads).</li>
 *   <li>memory: one new VM per run with 1 vCPU and 512 MiB..1 GiB, one unit is 512 MiB; the guest writes
 *       a tmpfs file past its monitor's threshold. Measures the monitor's request → memory plugged. A
 *       new VM per run because a memory downscale under TCG is followed by a monitor request and a
 *       hold of ten downscale windows (see {@link AutoscaleGuestScripts.MemorySchedule}).</li>
 * </ol>
 * Prints a table with p50/p95 and the targets, and writes the raw samples (CSV) and the
 * timeline of everything heard under {@code build/bench/}.
 *
 * <p>Not thread-safe (a command).
 */
@Command(name = "autoscale", mixinStandardHelpOptions = true,
        description = "Real-QEMU autoscaling under vmflex up: load step -> extra vCPU, back to minimum, flapping, memory"
                + " pressure -> memory plugged; vmflex's rules against Neon's in the same run.")
public final class AutoscaleBenchCommand implements Callable<Integer> {
    private static final long MIB = 1L << 20;
    private static final long MEMORY_UNIT_BYTES = 512 * MIB;
    /** Slot size and boot memory of both VMs; the memory VM may double it (one unit). */
    private static final String SLOT = "128Mi";
    private static final int BOOT_SLOTS = 4;
    /** Most vCPU plugs QEMU survives under TCG is 31 (README "QEMU"); the load phase plugs one per run. */
    private static final int MAX_RUNS = 25;
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    /** How long a load step waits in the guest for the 2nd vCPU before it counts as missed. */
    private static final int UPSCALE_TIMEOUT_SECONDS = 60;
    /** One unit = 1 vCPU and 512 MiB (a multiple of the 128 MiB slots). */
    private static final String COMPUTE_UNIT = "1/512Mi";

    @Option(names = "--runs", defaultValue = "10", description = "Steps per phase and rule set (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--rules", defaultValue = "vmflex,neon", split = ",",
            description = "Rule sets, in the order they run in each phase (default ${DEFAULT-VALUE})")
    List<String> rules;

    @Option(names = "--turns", defaultValue = "2",
            description = "Each phase's runs are split into this many turns and the rule sets take turns, so that a"
                    + " busy spell of the host does not fall on one rule set only (default ${DEFAULT-VALUE})")
    int turns;

    @Option(names = "--images", description = "Image store (default: <checkout>/build/images)")
    Path images;

    @Option(names = "--phases", defaultValue = "load,memory", split = ",",
            description = "Which phases to run: load, memory (default ${DEFAULT-VALUE})")
    List<String> phases;

    @Option(names = "--steady-seconds", defaultValue = "30",
            description = "How long the load lasts after the guest saw its 2nd vCPU; longer than vmflex's 20 s downscale"
                    + " window, so a downscale under the load would show (default ${DEFAULT-VALUE})")
    int steadySeconds;

    @Option(names = "--gate-load", defaultValue = "0.5",
            description = "Each load step waits until the guest's 1-minute load average is at most this (default ${DEFAULT-VALUE})")
    double gateLoad;

    @Option(names = "--gate-max-seconds", defaultValue = "30",
            description = "... unless the guest has been at 1 vCPU this long: on a busy host an idle TCG guest's load"
                    + " average stays near 1 (default ${DEFAULT-VALUE})")
    int gateMaxSeconds;

    @Option(names = "--fill-mib", defaultValue = "300",
            description = "MiB the guest writes to tmpfs at each memory step; the 512 MiB guest (MemTotal ~397 MiB) has its"
                    + " monitor ask for memory above ~250 MiB used (default ${DEFAULT-VALUE})")
    int fillMib;

    @Option(names = "--out", description = "Directory for the samples and the timeline (default: <checkout>/build/bench)")
    Path out;

    @Option(names = "--keep", description = "Keep the work directory (vmflex up logs)")
    boolean keep;

    /** Runs {@code first .. first + count - 1} of a phase, under each rule set in turn. */
    private record Turn(int number, int first, int count) {
    }

    /** One VM of a phase: the load phase has one for all its runs, the memory phase one per run. */
    record Guest(String vm, ObjectNode manifest, Duration stepTimeout) {
    }

    private final java.util.Map<String, List<AutoscaleAnalysis.LoadRun>> loadByRules = new java.util.HashMap<>();
    private final java.util.Map<String, List<AutoscaleAnalysis.MemoryRun>> memoryByRules = new java.util.HashMap<>();

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || runs > MAX_RUNS) {
            throw new IllegalArgumentException("--runs must be 1.." + MAX_RUNS + " (under TCG a QEMU survives 31 vCPU plugs)");
        }
        if (turns < 1 || turns > runs) {
            throw new IllegalArgumentException("--turns must be 1..--runs, got " + turns);
        }
        for (String r : rules) {
            if (!r.equals("vmflex") && !r.equals("neon")) {
                throw new IllegalArgumentException("--rules: vmflex or neon, got \"" + r + "\"");
            }
        }
        for (String p : phases) {
            if (!p.equals("load") && !p.equals("memory")) {
                throw new IllegalArgumentException("--phases: load or memory, got \"" + p + "\"");
            }
        }
        if (steadySeconds < 1 || !(gateLoad >= 0) || gateMaxSeconds < 5 || fillMib < 64 || fillMib > 400) {
            throw new IllegalArgumentException("--steady-seconds at least 1, --gate-load at least 0, --gate-max-seconds at least 5,"
                    + " --fill-mib 64..400");
        }
        Path root = Path.of(System.getProperty("vmflex.home", "."));
        Path imageDir = (images != null ? images : root.resolve("build/images")).toAbsolutePath();
        if (!Files.exists(imageDir.resolve("test/manifest.json"))) {
            throw new IllegalArgumentException("no test image in " + imageDir + " (rootfs/build-test-image.sh builds it)");
        }
        Path outDir = (out != null ? out : root.resolve("build/bench")).toAbsolutePath();
        Files.createDirectories(outDir);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path samples = outDir.resolve("autoscale-" + stamp + ".csv");
        Path timelineFile = outDir.resolve("autoscale-" + stamp + "-timeline.txt");
        Path work = Files.createTempDirectory(Path.of("/tmp"), "vmflex-autobench");
        String loadAtStart = MigrationBenchCommand.loadAverage();
        System.out.printf("autoscale benchmark: %d runs per phase and rule set, rules %s, phases %s; load steps last %d s after"
                        + " the upscale and start at load1 <= %.2f (or after %d s at 1 vCPU); memory steps write %d MiB; work dir %s%n",
                runs, rules, phases, steadySeconds, gateLoad, gateMaxSeconds, fillMib, work);
        AutoscaleReport report = new AutoscaleReport();
        StringBuilder timelines = new StringBuilder();
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            for (String phase : phases) {
                int first = 1;
                for (int turn = 1; turn <= turns; turn++) {
                    int count = runs / turns + (turn <= runs % turns ? 1 : 0);
                    for (String r : rules) {
                        runPhase(phase, r, new Turn(turn, first, count), imageDir,
                                work.resolve(phase + "-" + r + "-" + turn), report, timelines, t0);
                    }
                    first += count;
                }
            }
            ok = true;
        } finally {
            Files.writeString(samples, report.csv());
            Files.writeString(timelineFile, timelines.toString());
            report.print(System.out);
            System.out.printf("machine: %d CPUs, load average (1/5/15 min) at the start %s, at the end %s; %.1f min in all%n",
                    Runtime.getRuntime().availableProcessors(), loadAtStart, MigrationBenchCommand.loadAverage(),
                    (System.nanoTime() - t0) / 60e9);
            System.out.println("samples: " + samples);
            System.out.println("timeline: " + timelineFile);
            if (keep || !ok) {
                System.out.println("work directory kept: " + work);
            } else {
                try (Stream<Path> walk = Files.walk(work)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return 0;
    }

    /** MemTotal growth that counts as plugged: 90 % of a unit (the rest may go to the new memory's own struct pages). */
    static long grownKb() {
        return MEMORY_UNIT_BYTES / 1024 * 9 / 10;
    }

    /**
     * One phase under one rule set: a fresh {@code vmflex up}, then its guests one after the other, each
     * created, followed until its schedule is done, analysed and deleted. What a guest heard goes into
     * the report even when it failed.
     */
    private void runPhase(String phase, String rules, Turn turn, Path imageDir, Path dir, AutoscaleReport report,
                          StringBuilder timelines, long t0) throws Exception {
        System.out.printf("%n[%s %s turn %d] starting vmflex up (%s rules, compute unit %s)%n", phase, rules, turn.number(), rules,
                COMPUTE_UNIT);
        List<AutoscaleAnalysis.LoadRun> loadRuns = loadByRules.computeIfAbsent(rules, r -> new ArrayList<>());
        List<AutoscaleAnalysis.MemoryRun> memoryRuns = memoryByRules.computeIfAbsent(rules, r -> new ArrayList<>());
        try (BenchUpNode node = BenchUpNode.start(dir, imageDir, rules, COMPUTE_UNIT)) {
            String accel = ApiMapper.json().readTree(node.request("GET", "/v1/node", null, null).body()).path("accel").asText("?");
            System.out.printf("[%s %s] accel %s%n", phase, rules, accel);
            List<Guest> guests = phase.equals("load") ? List.of(loadGuest(turn.count()))
                    : java.util.stream.IntStream.range(turn.first(), turn.first() + turn.count()).mapToObj(this::memoryGuest).toList();
            for (Guest g : guests) {
                AutoscaleTimeline timeline = new AutoscaleTimeline();
                String label = "[" + phase + " " + rules + " turn " + turn.number() + "]";
                try {
                    if (phase.equals("load")) {
                        runGuest(node, g, timeline, label, heard -> lines(AutoscaleAnalysis.loadRuns(heard),
                                AutoscaleAnalysis.LoadRun::complete, AutoscaleAnalysis.LoadRun::run, AutoscaleBenchCommand::text));
                    } else {
                        runGuest(node, g, timeline, label, heard -> lines(AutoscaleAnalysis.memoryRuns(heard, grownKb()),
                                AutoscaleAnalysis.MemoryRun::complete, AutoscaleAnalysis.MemoryRun::run, AutoscaleBenchCommand::text));
                    }
                } finally {
                    List<AutoscaleTimeline.Heard> heard = timeline.snapshot();
                    if (phase.equals("load")) {
                        loadRuns.addAll(AutoscaleAnalysis.loadRuns(heard));
                        report.load(rules, loadRuns);
                    } else {
                        memoryRuns.addAll(AutoscaleAnalysis.memoryRuns(heard, grownKb()));
                        report.memory(rules, memoryRuns);
                    }
                    timelines.append(AutoscaleTimeline.render(rules + " " + g.vm(), heard, t0));
                }
            }
        }
    }

    private Guest loadGuest(int count) {
        int gate = (int) Math.round(gateLoad * 100);
        String script = AutoscaleGuestScripts.loadSteps(new AutoscaleGuestScripts.LoadSchedule(count, 2, steadySeconds,
                UPSCALE_TIMEOUT_SECONDS, gate, 5, gateMaxSeconds, 30));
        // 1..2 vCPUs, one unit = 1 vCPU: a step is +1 vCPU; the memory is fixed (max = min), so only the CPU moves.
        // A step may take the gate, the wait for the upscale, the steady load and the way down.
        return new Guest("autobench-cpu", manifest("autobench-cpu", 2, BOOT_SLOTS, script),
                Duration.ofSeconds(gateMaxSeconds + UPSCALE_TIMEOUT_SECONDS + steadySeconds + 300));
    }

    private Guest memoryGuest(int run) {
        // A name of its own: the agent follows VMs by name, and one re-created under the same name between two of
        // its polls kept the old VM's size in the agent's view (seen here: the agent took the new 512 MiB VM for the
        // old one at 1 GiB).
        return memoryGuest("autobench-mem-" + run, run, fillMib, 2 * BOOT_SLOTS);
    }

    /**
     * One memory step's VM: 1 vCPU fixed, 512 MiB boot memory up to {@code maxSlots} slots of 128 MiB; the guest
     * writes {@code fillMib} MiB to tmpfs once its monitor runs and waits for 90 % of a 512 MiB unit more MemTotal.
     */
    static Guest memoryGuest(String name, int run, int fillMib, int maxSlots) {
        String script = AutoscaleGuestScripts.memoryStep(new AutoscaleGuestScripts.MemorySchedule(run, fillMib, 60, grownKb(), 3, 20));
        return new Guest(name, manifest(name, 1, maxSlots, script), Duration.ofSeconds(120));
    }

    /** The test image, autoscaled: 1..maxCpus vCPUs, 512 MiB boot memory up to {@code maxSlots} slots of 128 MiB. */
    static ObjectNode manifest(String name, int maxCpus, int maxSlots, String script) {
        ObjectNode vm = ApiMapper.json().createObjectNode();
        vm.put("apiVersion", "vm.neon.tech/v1").put("kind", "VirtualMachine");
        ObjectNode meta = vm.putObject("metadata");
        meta.put("name", name);
        meta.putObject("labels").put(AutoscalingSettings.LABEL_ENABLED, "true");
        ObjectNode guest = vm.putObject("spec").put("restartPolicy", "Never").putObject("guest");
        guest.putObject("cpus").put("min", 1).put("use", 1).put("max", maxCpus);
        guest.put("memorySlotSize", SLOT);
        guest.putObject("memorySlots").put("min", BOOT_SLOTS).put("use", BOOT_SLOTS).put("max", maxSlots);
        guest.putObject("rootDisk").put("image", "test");
        guest.putArray("command").add("/bin/sh").add("-c").add(script);
        return vm;
    }

    /**
     * Creates the guest's VM, follows it until its schedule is done (printing each run as it completes),
     * and deletes it whatever happens (also on SIGTERM: {@code vmflex up} alone would leave it running).
     */
    private void runGuest(BenchUpNode node, Guest g, AutoscaleTimeline timeline, String label,
                          Function<List<AutoscaleTimeline.Heard>, List<String>> runLines) throws Exception {
        Response created = node.request("POST", "/v1/vms", "application/json", g.manifest().toString());
        if (created.status() != 201) {
            throw new IllegalStateException("create " + g.vm() + " failed: " + created.bodyText());
        }
        Thread cleanup = new Thread(() -> {
            delete(node, g.vm());
            try {
                node.close();
            } catch (java.io.IOException ignored) {
                // exiting anyway
            }
        }, "autobench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            node.follow(g.vm(), timeline);
            awaitSchedule(node, g, timeline, label, runLines);
        } finally {
            delete(node, g.vm());
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException exiting) {
                // the hook is running or ran
            }
        }
    }

    /**
     * Waits for the guest's {@code done}, printing each run as it completes and reading the VM's
     * metrics once a second into the timeline. Gives up when the node dies, the VM stops running, the
     * guest began no step within {@link #BOOT_TIMEOUT}, or no step marker came for the guest's step timeout.
     */
    static void awaitSchedule(BenchNode node, Guest g, AutoscaleTimeline timeline, String label,
                               Function<List<AutoscaleTimeline.Heard>, List<String>> runLines) throws Exception {
        long lastProgress = System.nanoTime();
        long bootDeadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        int printed = 0;
        int markers = 0;
        while (true) {
            List<AutoscaleTimeline.Heard> heard = timeline.snapshot();
            int nowMarkers = (int) heard.stream().filter(h -> h instanceof AutoscaleTimeline.Marker).count();
            if (nowMarkers != markers) {
                markers = nowMarkers;
                lastProgress = System.nanoTime();
            }
            List<String> lines = runLines.apply(heard);
            for (; printed < lines.size(); printed++) {
                System.out.printf("%s %s; host load %s%n", label, lines.get(printed), MigrationBenchCommand.loadAverage());
            }
            if (AutoscaleAnalysis.done(heard)) {
                return;
            }
            if (!node.alive()) {
                throw new IllegalStateException("vmflex up died: " + Files.readString(node.log()));
            }
            if (markers == 0 && System.nanoTime() > bootDeadline) {
                throw new IllegalStateException("the guest began no step within " + BOOT_TIMEOUT.toSeconds() + " s:\n"
                        + consoleTail(node, g.vm()));
            }
            if (markers > 0 && System.nanoTime() - lastProgress > g.stepTimeout().toNanos()) {
                throw new IllegalStateException("no step for " + g.stepTimeout().toSeconds() + " s:\n" + consoleTail(node, g.vm()));
            }
            Response metrics = node.request("GET", "/v1/vms/" + g.vm() + "/metrics", null, null);
            if (metrics.status() == 200) {
                timeline.metrics(metrics.bodyText(), System.nanoTime());
            }
            JsonNode vm = ApiMapper.json().readTree(node.request("GET", "/v1/vms/" + g.vm(), null, null).body());
            String phaseNow = vm.path("status").path("phase").asText();
            if (phaseNow.equals("Failed") || phaseNow.equals("Succeeded")) {
                throw new IllegalStateException("VM " + g.vm() + " is " + phaseNow + ":\n" + consoleTail(node, g.vm()));
            }
            Thread.sleep(1000);
        }
    }

    /** One text per run, in order, up to the first run still going on. */
    private static <R> List<String> lines(List<R> runList, Predicate<R> complete, ToIntFunction<R> run, Function<R, String> text) {
        List<String> out = new ArrayList<>();
        for (R r : runList) {
            if (!complete.test(r)) {
                break;
            }
            out.add("run " + run.applyAsInt(r) + ": " + text.apply(r));
        }
        return out;
    }

    private static String text(AutoscaleAnalysis.LoadRun r) {
        return (r.valid() ? "" : "(before the monitor connected) ") + "load1 " + r.load1AtStart() + " at the step, host busy "
                + String.format(Locale.ROOT, "%.2f", r.hostBusyBeforeUp()) + " until the upscale; 2nd vCPU " + ms(r.upMs())
                + " (plugged " + ms(r.pluggedMs()) + ")"
                + ", back to 1 " + ms(r.downMs()) + ", resizes during the load besides the up " + r.extraResizes()
                + ", guest vCPU changes " + r.guestCpuChanges();
    }

    static String text(AutoscaleAnalysis.MemoryRun r) {
        return (r.valid() ? "" : "(before the monitor connected) ") + "request -> plugged " + ms(r.requestToPluggedMs())
                + " (virtio-mem resized " + ms(r.requestToResizeMs()) + ")"
                + ", write start -> plugged " + ms(r.fillToPluggedMs()) + ", write done -> plugged " + ms(r.filledToPluggedMs())
                + (r.requested() ? "" : ", no monitor request") + (r.agentFirst() ? ", agent upscaled on metrics first" : "");
    }

    private static String ms(java.util.OptionalLong v) {
        return v.isPresent() ? v.getAsLong() + " ms" : "-";
    }

    private static String consoleTail(BenchNode node, String vm) {
        try {
            return node.request("GET", "/v1/vms/" + vm + "/console?tail=60", null, null).bodyText();
        } catch (RuntimeException e) {
            return "(console unavailable: " + e.getMessage() + ")";
        }
    }

    /** Deletes the VM and waits until the node no longer has it (its QEMU is gone with it). */
    private static void delete(BenchUpNode node, String vm) {
        try {
            node.request("DELETE", "/v1/vms/" + vm, null, null);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (node.request("GET", "/v1/vms/" + vm, null, null).status() != 404) {
                if (System.nanoTime() > deadline) {
                    System.err.println("VM " + vm + " still there 60 s after its deletion; its QEMU may be left running");
                    return;
                }
                Thread.sleep(200);
            }
        } catch (RuntimeException e) {
            System.err.println("cannot delete " + vm + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
