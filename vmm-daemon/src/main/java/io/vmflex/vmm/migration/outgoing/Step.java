package io.vmflex.vmm.migration.outgoing;

/**
 * A state of the outgoing migration's machine (see {@code package-info.java} for the diagram).
 * Each step is a record that carries the data later steps need and has a {@code next(MigrationRun)}
 * that does the step's I/O and returns the step that follows; {@link OutgoingMigration#run} drives
 * them with one exhaustive switch.
 *
 * <p>Every step runs on the VM's supervisor thread, the one that drives the migration; steps are
 * immutable, what they open lives in the {@link MigrationRun}.
 */
sealed interface Step permits Prepare, Mirror, Stream, Watch, SwitchOver, Commit, RollBack, Done {
}
