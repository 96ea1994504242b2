/**
 * The source side of a live migration: starting, cancelling and listing them
 * ({@link io.vmflex.vmm.migration.outgoing.OutgoingMigrations}, the one door the admin API uses), and
 * the state machine of one migration, which the VM's supervisor runs on its own thread once it has
 * handed the VM over ({@link io.vmflex.vmm.supervisor.Departure}).
 *
 * <pre>
 *  Prepare --target QEMU waits--+--disks------> Mirror --disks in sync-+
 *     |                         |                  |                   v
 *     |                         +--no disk-----------------------> Stream --QEMU migrating--> Watch <------------+
 *     |                                            |                 |                       |  |                |
 *     |                                            |                 |      pre-switchover   |  +--> SwitchOver --+
 *     |                                            |                 |      (disk mirror)    |          |   mirror completed,
 *     |                                            |                 |                       |          |   migrate-continue
 *     |                                            |                 |            completed  v          |
 *     |                                            |                 |                    Commit --target resumed it--> Done(moved)
 *     |                                            |                 |                       |  |       |
 *     v                                            v                 v                       v  |       v
 *  RollBack <------------------------------------------------------------------------------------+------+
 *     |   error, refused, cancel;  mirror failed, stalled;  relay broke;  QEMU failed;  timeout;     |
 *     |   guest disk writes stalled;  commit refused or lost and the fence says the target dropped it  |
 *     v                                                                                              |
 *  Done(stayed): migrate_cancel, cont, target told to abort      daemon stopping before the fence answered -+--> Done(unresolved)
 * </pre>
 *
 * <p>Each step is a record of its own ({@code Prepare}, {@code Mirror}, {@code Stream}, {@code Watch},
 * {@code SwitchOver}, {@code Commit}, {@code RollBack}, {@code Done}) carrying the data later steps
 * need, with a {@code next(MigrationRun)} that does the step's I/O and returns the next step;
 * {@code OutgoingMigration.run} drives them with one exhaustive switch, and each {@code return} in
 * a step is commented with its transition ({@code // Watch -- completed --> Commit}). What other
 * threads tell a running migration (cancel, QEMU's events, a relay's end) arrives through
 * {@code Signals} and wakes the watch loop.
 *
 * <p>Helpers: {@code TargetControl} (prepare, commit, fence, abort to the target daemon, as the
 * typed records of the control protocol, over a {@code ControlPath}: {@code SocketControlPath} in the
 * daemon, an in-process path in tests), {@code CommitOutcome} (the pure rule: the source resumes its
 * copy only when a fence says the target dropped its own), {@code CommitLink} (the commit's connection,
 * opened ahead), {@code OutgoingDiskMirror} (the disk
 * relay and mirror job), {@code ProgressWatch} and {@code DiskWriteWatch} (pure judges of progress),
 * {@code InterruptedMigration} and {@code InterruptedMigrations} ({@code outgoing.json}, settled with
 * the target by the next daemon), {@link io.vmflex.vmm.migration.outgoing.MigrationHistory} (ended
 * migrations across restarts).
 */
package io.vmflex.vmm.migration.outgoing;
