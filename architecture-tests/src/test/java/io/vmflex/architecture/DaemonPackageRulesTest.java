package io.vmflex.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The daemon's packages (ARCHITECTURE.md, "vmmd"): one concern each, dependencies pointing one way.
 * The migration packages use the supervisor (it hands them the VM), never the reverse.
 *
 * <p>The rules are checked from {@code @ArchTest} methods, not declared as {@code @ArchTest} fields:
 * Surefire 3.5.3 (this build's) silently runs no {@code @ArchTest} field (TNG/ArchUnit#1442).
 */
@AnalyzeClasses(packages = "io.vmflex.vmm", importOptions = ImportOption.DoNotIncludeTests.class)
class DaemonPackageRulesTest {

    /** Between the daemon's top-level packages (supervisor, scaling, migration, qemu, qmp, api, ...). */
    static final ArchRule NO_CYCLES_BETWEEN_DAEMON_PACKAGES = slices()
            .matching("io.vmflex.vmm.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static void shouldFindNoCycleWhenDaemonTopLevelPackagesAreSliced(JavaClasses classes) {
        NO_CYCLES_BETWEEN_DAEMON_PACKAGES.check(classes);
    }

    /** And between every package, so that migration.outgoing, .incoming and .qemu stay apart too. */
    static final ArchRule NO_CYCLES_BETWEEN_ANY_DAEMON_SUBPACKAGES = slices()
            .matching("io.vmflex.vmm.(**)")
            .should().beFreeOfCycles();

    @ArchTest
    static void shouldFindNoCycleWhenEveryDaemonPackageIsASlice(JavaClasses classes) {
        NO_CYCLES_BETWEEN_ANY_DAEMON_SUBPACKAGES.check(classes);
    }

    /**
     * The root package is the composition root ({@code Vmmd}) and its settings: it wires everything
     * below, so nothing below may lean on it. Without this the slice rules above, which see only
     * subpackages, would miss a cycle through the root.
     */
    static final ArchRule NOTHING_LEANS_ON_THE_COMPOSITION_ROOT = noClasses()
            .that().resideInAPackage("io.vmflex.vmm.*..")
            .should().dependOnClassesThat().resideInAPackage("io.vmflex.vmm")
            .because("Vmmd composes the daemon's packages; they are wired by it, never the reverse");

    @ArchTest
    static void shouldFindNoUseOfTheRootPackageWhenDaemonSubpackagesAreLookedThrough(JavaClasses classes) {
        NOTHING_LEANS_ON_THE_COMPOSITION_ROOT.check(classes);
    }

    /** The VM's owner knows nothing of how a migration works: it hands the VM over through Departure. */
    static final ArchRule SUPERVISION_AND_SCALING_KNOW_NO_MIGRATION = noClasses()
            .that().resideInAnyPackage("io.vmflex.vmm.supervisor..", "io.vmflex.vmm.scaling..", "io.vmflex.vmm.qemu..",
                    "io.vmflex.vmm.qmp..", "io.vmflex.vmm.node..")
            .should().dependOnClassesThat().resideInAnyPackage("io.vmflex.vmm.migration..", "io.vmflex.migration..")
            .because("a migration is handed the VM (supervisor.Departure); the owner does not know how it moves");

    @ArchTest
    static void shouldFindNoMigrationClassWhenTheVmOwnerIsLookedThrough(JavaClasses classes) {
        SUPERVISION_AND_SCALING_KNOW_NO_MIGRATION.check(classes);
    }
}
