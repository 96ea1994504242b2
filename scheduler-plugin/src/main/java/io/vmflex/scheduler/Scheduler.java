package io.vmflex.scheduler;

import io.vmflex.api.permit.PermitService;
import io.vmflex.api.permit.NodeReport;
import io.vmflex.api.permit.PermitOutcome;
import io.vmflex.api.permit.PermitRequest;
import io.vmflex.api.permit.PermitResponse;
import io.vmflex.scheduler.core.Accounts;
import io.vmflex.scheduler.core.AdmitRequest;
import io.vmflex.scheduler.core.Admission;
import io.vmflex.scheduler.core.Amount;
import io.vmflex.scheduler.core.NodeView;
import io.vmflex.api.permit.ReportResult;
import io.vmflex.scheduler.core.SchedulerConfig;
import io.vmflex.scheduler.core.VmView;
import io.vmflex.scheduler.placement.Placement;
import io.vmflex.scheduler.watermark.MigrationChoice;
import io.vmflex.scheduler.watermark.WatermarkChoice;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scheduler as one object: the {@link Accounts} core behind a lock, plus counters of permit
 * outcomes for metrics. A fresh instance is a restarted scheduler: it knows nothing until nodes are
 * added and have reported. It keeps nothing on disk, by design: what the nodes report is the truth.
 *
 * <p>Thread-safe: every method holds one lock for the duration of a core call (decisions take
 * well under a microsecond, so callers do not queue for long). No I/O.
 */
public final class Scheduler implements PermitService {

    private final Object lock = new Object();
    private final Accounts accounts;
    private final Map<PermitOutcome, Long> outcomes = new EnumMap<>(PermitOutcome.class);

    public Scheduler(SchedulerConfig config) {
        this.accounts = new Accounts(config);
    }

    @Override
    public PermitResponse requestPermit(PermitRequest request) {
        synchronized (lock) {
            PermitResponse response = accounts.decide(request);
            outcomes.merge(response.outcome(), 1L, Long::sum);
            return response;
        }
    }

    @Override
    public ReportResult report(NodeReport report) {
        synchronized (lock) {
            return accounts.report(report);
        }
    }

    /** Books a node (unsynced until it reports) or takes its new size. */
    public void addNode(String name, Amount total) {
        synchronized (lock) {
            accounts.addNode(name, total);
        }
    }

    /** As {@link #addNode(String, Amount)} with this node's own host reserve. */
    public void addNode(String name, Amount total, Amount hostReserve) {
        synchronized (lock) {
            accounts.addNode(name, total, hostReserve);
        }
    }

    /** Forgets a node, releasing its VMs; returns their names. */
    public List<String> removeNode(String name) {
        synchronized (lock) {
            return accounts.removeNode(name);
        }
    }

    /** Admission at create/apply: books the VM or refuses with one line, storing nothing. */
    public Admission admit(AdmitRequest request) {
        synchronized (lock) {
            return accounts.admit(request);
        }
    }

    /** Where a VM of {@code use} should go (Filter, then Score peaking at 80 % use). */
    public Placement.Result place(Amount use) {
        synchronized (lock) {
            return Placement.place(accounts.nodes(), use);
        }
    }

    /** Releases a deleted VM; false if it was not booked. */
    public boolean deleteVm(String name) {
        synchronized (lock) {
            return accounts.deleteVm(name);
        }
    }

    /** Books a VM running on a synced node; see {@link Accounts#bookRunning}. */
    public boolean bookRunning(String node, NodeReport.VmReport vm) {
        synchronized (lock) {
            return accounts.bookRunning(node, vm);
        }
    }

    /** Which VMs would have to move off each node above its watermark (for events and metrics). */
    public List<MigrationChoice> migrationChoices() {
        synchronized (lock) {
            return WatermarkChoice.chooseAll(accounts.nodes());
        }
    }

    public Optional<NodeView> node(String name) {
        synchronized (lock) {
            return accounts.node(name);
        }
    }

    public List<NodeView> nodes() {
        synchronized (lock) {
            return accounts.nodes();
        }
    }

    public Optional<VmView> vm(String name) {
        synchronized (lock) {
            return accounts.vm(name);
        }
    }

    /** Whether every node has reported since this scheduler started. */
    public boolean allSynced() {
        synchronized (lock) {
            return accounts.allSynced();
        }
    }

    /** How many permit requests ended in each outcome since this scheduler started. */
    public Map<PermitOutcome, Long> outcomeCounts() {
        synchronized (lock) {
            return Map.copyOf(outcomes);
        }
    }
}
