package io.vmflex.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Which module may depend on which (DESIGN.md, "Modules"): the shared model and the native calls
 * are the bottom of the graph, the deciding half (agent, scheduler) never reaches the daemon's
 * QMP, and only native-bindings speaks {@code java.lang.foreign}.
 *
 * <p>The rules are checked from {@code @ArchTest} methods, not declared as {@code @ArchTest} fields:
 * Surefire 3.5.3 (this build's) silently runs no {@code @ArchTest} field (TNG/ArchUnit#1442).
 */
@AnalyzeClasses(packages = "io.vmflex", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleDependencyRulesTest {

    /** {@code api}: the shared model and the wire shapes, depended on by every module, so it depends on none. */
    static final ArchRule API_DEPENDS_ON_NOTHING_OF_OURS = noClasses()
            .that().resideInAPackage("io.vmflex.api..")
            .should().dependOnClassesThat(resideInAPackage("io.vmflex..").and(resideOutsideOfPackage("io.vmflex.api..")))
            .because("api is the bottom of the module graph (DESIGN.md: api and native-bindings depend on nothing of ours)");

    @ArchTest
    static void shouldFindNoOtherModuleWhenApiIsLookedThrough(JavaClasses classes) {
        API_DEPENDS_ON_NOTHING_OF_OURS.check(classes);
    }

    /** {@code native-bindings}: every native call, knowing nothing of VMs. */
    static final ArchRule NATIVE_BINDINGS_DEPEND_ON_NOTHING_OF_OURS = noClasses()
            .that().resideInAPackage("io.vmflex.sys..")
            .should().dependOnClassesThat(resideInAPackage("io.vmflex..").and(resideOutsideOfPackage("io.vmflex.sys..")))
            .because("native-bindings is the bottom of the module graph (DESIGN.md: api and native-bindings depend on nothing of ours)");

    @ArchTest
    static void shouldFindNoOtherModuleWhenNativeBindingsAreLookedThrough(JavaClasses classes) {
        NATIVE_BINDINGS_DEPEND_ON_NOTHING_OF_OURS.check(classes);
    }

    static final ArchRule ONLY_NATIVE_BINDINGS_TOUCH_FOREIGN_MEMORY = noClasses()
            .that().resideOutsideOfPackage("io.vmflex.sys..")
            .should().dependOnClassesThat().resideInAPackage("java.lang.foreign..")
            .because("every native call goes through native-bindings, with its one errno path and its safety notes");

    @ArchTest
    static void shouldFindJavaLangForeignOnlyWhenInNativeBindings(JavaClasses classes) {
        ONLY_NATIVE_BINDINGS_TOUCH_FOREIGN_MEMORY.check(classes);
    }

    /**
     * {@code migration/}: the daemon-to-daemon transport (hello, relay, control channel). It knows no
     * QEMU and no VM: the orchestration that drives QEMU lives in the daemon's migration packages.
     */
    static final ArchRule MIGRATION_TRANSPORT_KNOWS_NO_DAEMON = noClasses()
            .that().resideInAPackage("io.vmflex.migration..")
            .should().dependOnClassesThat().resideInAnyPackage("io.vmflex.vmm..", "io.vmflex.netbridge..", "io.vmflex.monitor..")
            .because("the relay moves bytes between daemons; what they mean to QEMU is the daemon's business");

    @ArchTest
    static void shouldFindNoDaemonClassWhenTheMigrationTransportIsLookedThrough(JavaClasses classes) {
        MIGRATION_TRANSPORT_KNOWS_NO_DAEMON.check(classes);
    }

    /**
     * The agent decides and talks to the daemon only through the admin API (or Kubernetes): it never
     * reaches the daemon's classes, so never QMP. The module is a skeleton yet; the rule holds for
     * whatever lands in it.
     */
    static final ArchRule AGENT_NEVER_REACHES_THE_DAEMON = noClasses()
            .that().resideInAPackage("io.vmflex.agent..")
            .should().dependOnClassesThat().resideInAnyPackage("io.vmflex.vmm..")
            .because("the agent speaks the admin API, never QMP (DESIGN.md: agent must not talk QMP)")
            .allowEmptyShould(true);

    @ArchTest
    static void shouldFindNoDaemonClassWhenTheAgentIsLookedThrough(JavaClasses classes) {
        AGENT_NEVER_REACHES_THE_DAEMON.check(classes);
    }

    /**
     * Likewise the scheduler: accounting, placement and watermark migrations, over permits and the Kubernetes API (its
     * Kubernetes front, {@code vmflex scheduler}, included).
     */
    static final ArchRule SCHEDULER_NEVER_REACHES_THE_DAEMON = noClasses()
            .that().resideInAnyPackage("io.vmflex.scheduler..", "io.vmflex.kube.placement..", "io.vmflex.kube.watermark..",
                    "io.vmflex.kube.permit..")
            .should().dependOnClassesThat().resideInAnyPackage("io.vmflex.vmm..")
            .because("the scheduler places VMs and grants permits; it never drives a VM's QEMU")
            .allowEmptyShould(true);

    @ArchTest
    static void shouldFindNoDaemonClassWhenTheSchedulerIsLookedThrough(JavaClasses classes) {
        SCHEDULER_NEVER_REACHES_THE_DAEMON.check(classes);
    }
}
