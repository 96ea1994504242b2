package io.vmflex.scheduler.bench;

import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitCodec;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.api.permit.ResourceAmount;
import io.vmflex.scheduler.Scheduler;
import io.vmflex.scheduler.core.Accounts;
import io.vmflex.scheduler.core.Admission;
import io.vmflex.scheduler.core.AdmitRequest;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.SchedulerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Permit decisions per second. Each node has 16 vCPUs and 64 GiB and runs 20 VMs of 0.5 vCPU /
 * 2 GiB; each decision is the next VM (a fixed odd stride through all VMs, so consecutive decisions
 * touch different nodes and cache lines) asking for 1 to 4 more compute units or releasing back to
 * its use, with a fresh seq: a mix of full, partial and denied grants and releases.
 *
 * <ul>
 *   <li>{@code decide} with {@code nodes=1000} is the target (≥ 100k/s); {@code nodes=1} is the
 *       same decisions on one node (20 VMs), the baseline for the cost of a large cluster.</li>
 *   <li>{@code decideThroughFacade}: the same through {@link Scheduler}'s lock and counters.</li>
 *   <li>{@code buildRequest}: constructing (validating) the request alone, the part of
 *       {@code decide} that is not the decision.</li>
 *   <li>{@code decodeRequestJson}: decoding the same request from its JSON body, the baseline for
 *       what the network front adds per request.</li>
 * </ul>
 *
 * Run with {@code scheduler-plugin/bench/permit-bench.sh}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Thread)
public class PermitBenchmark {

    static final long GIB = 1L << 30;
    static final int VMS_PER_NODE = 20;
    static final ResourceAmount UNIT = new ResourceAmount(250, GIB);
    static final ResourceAmount USE = new ResourceAmount(500, 2 * GIB);

    @Param({"1000", "1"})
    public int nodes;

    Accounts accounts;
    Scheduler scheduler;
    String[] vmNames;
    String[] nodeOf;
    long[] seqs;
    int cursor;
    int stride;
    byte[] json;

    @Setup(Level.Trial)
    public void setUp() {
        SchedulerConfig config = new SchedulerConfig(Amount.ZERO, 0.9, SchedulerConfig.NEON_UNIT);
        accounts = new Accounts(config);
        scheduler = new Scheduler(config);
        int vms = nodes * VMS_PER_NODE;
        vmNames = new String[vms];
        nodeOf = new String[vms];
        seqs = new long[vms];
        Instant t0 = Instant.parse("2026-12-06T00:00:00Z");
        for (int n = 0; n < nodes; n++) {
            String node = "node-" + n;
            Amount total = new Amount(16_000, 64 * GIB);
            accounts.addNode(node, total);
            scheduler.addNode(node, total);
            accounts.report(new NodeReport(1, node, List.of()));
            scheduler.report(new NodeReport(1, node, List.of()));
            for (int v = 0; v < VMS_PER_NODE; v++) {
                int i = n * VMS_PER_NODE + v;
                vmNames[i] = "vm-" + i;
                nodeOf[i] = node;
                Amount use = Amount.of(USE);
                AdmitRequest admit = new AdmitRequest(node, vmNames[i], use, use, new Amount(8000, 32 * GIB),
                        t0.plusSeconds(i), v % 2 == 0);
                if (!(accounts.admit(admit) instanceof Admission.Admitted)
                        || !(scheduler.admit(admit) instanceof Admission.Admitted)) {
                    throw new IllegalStateException("setup: " + vmNames[i] + " not admitted");
                }
            }
        }
        stride = vms > 7919 ? 7919 : 7; // odd and prime: visits every VM before repeating
        json = PermitCodec.encode(next());
    }

    /** The next request: a fresh seq for the next VM, up by 1–4 units on odd seqs, release on even. */
    PermitRequest next() {
        cursor = (cursor + stride) % vmNames.length;
        int i = cursor;
        long seq = ++seqs[i];
        ResourceAmount requested = (seq & 1) == 1
                ? new ResourceAmount(USE.cpuMillis() + UNIT.cpuMillis() * (1 + (seq >> 1) % 4),
                USE.memBytes() + UNIT.memBytes() * (1 + (seq >> 1) % 4))
                : USE;
        return new PermitRequest(1, vmNames[i], nodeOf[i], seq, USE, requested, UNIT, null, null);
    }

    @Benchmark
    public PermitResponse decide() {
        return accounts.decide(next());
    }

    @Benchmark
    public PermitResponse decideThroughFacade() {
        return scheduler.requestPermit(next());
    }

    @Benchmark
    public PermitRequest buildRequest() {
        return next();
    }

    @Benchmark
    public PermitRequest decodeRequestJson() {
        return PermitCodec.decodeRequest(json);
    }

    /** For a quick look without JMH: {@code java ... PermitBenchmark} prints one rough number. */
    public static void main(String[] args) {
        PermitBenchmark b = new PermitBenchmark();
        b.nodes = 1000;
        b.setUp();
        for (int round = 0; round < 5; round++) {
            long t = System.nanoTime();
            int n = 2_000_000;
            for (int k = 0; k < n; k++) {
                b.decide();
            }
            System.out.printf("%.0f decisions/s%n", n / ((System.nanoTime() - t) / 1e9));
        }
        System.out.println(new String(b.json, StandardCharsets.UTF_8));
    }
}
