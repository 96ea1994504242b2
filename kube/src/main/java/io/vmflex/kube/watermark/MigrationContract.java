package io.vmflex.kube.watermark;

/**
 * What the scheduler writes on the VirtualMachineMigrations it makes (the issue 18 contract between
 * the scheduler and the node daemons, which carry them out).
 */
public final class MigrationContract {

    /** Label naming who made the object. */
    public static final String CREATED_BY_LABEL = "vmflex.io/created-by";
    public static final String CREATED_BY = "vmflex-scheduler";
    /** Label saying why. */
    public static final String REASON_LABEL = "vmflex.io/reason";
    public static final String REASON_WATERMARK = "watermark";
    /** Reason of the Events about a watermark migration, on the VM and on its source Node. */
    public static final String EVENT_REASON = "WatermarkMigration";

    private MigrationContract() {
    }
}
