package io.vmflex.architecture;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The guest monitor ships in every VM on a small jlinked JVM: it must load neither Jackson nor
 * Netty nor fabric8 (DESIGN.md: guest-monitor must not pull in Netty/fabric8; GuestCodec exists so
 * that it needs no Jackson either).
 *
 * <p>It does use api's guest records, and those carry Jackson annotations for the daemon's codec. An
 * annotation is not loaded when the class it sits on is (only reflection on it loads it), so the
 * rules say exactly that: no monitor class names those libraries, and nothing the monitor reaches
 * through our own classes names them other than in an annotation. {@code MonitorClassLoadingTest}
 * checks the same at run time, with the monitor's real class path.
 *
 * <p>The rules are checked from {@code @ArchTest} methods, not declared as {@code @ArchTest} fields:
 * Surefire 3.5.3 (this build's) silently runs no {@code @ArchTest} field (TNG/ArchUnit#1442).
 */
@AnalyzeClasses(packages = "io.vmflex", importOptions = ImportOption.DoNotIncludeTests.class)
class GuestMonitorRulesTest {
    private static final String[] HEAVY = {"com.fasterxml.jackson..", "io.netty..", "io.fabric8.."};

    static final ArchRule MONITOR_NAMES_NO_JACKSON_NETTY_OR_FABRIC8 = noClasses()
            .that().resideInAPackage("io.vmflex.monitor..")
            .should().dependOnClassesThat().resideInAnyPackage(HEAVY)
            .because("the monitor has its own codec (GuestCodec) and plain JDK I/O");

    @ArchTest
    static void shouldFindNoJacksonNettyOrFabric8WhenMonitorClassesAreLookedThrough(JavaClasses classes) {
        MONITOR_NAMES_NO_JACKSON_NETTY_OR_FABRIC8.check(classes);
    }

    static final ArchRule MONITOR_REACHES_NO_JACKSON_NETTY_OR_FABRIC8 = classes()
            .that().resideInAPackage("io.vmflex.monitor..")
            .should(reachNoClassOutsideAnnotationsIn(HEAVY))
            .because("whatever our classes the monitor uses (api's guest records) must not load them either;"
                    + " annotations are not loaded with the class they annotate");

    @ArchTest
    static void shouldReachNoJacksonNettyOrFabric8OutsideAnnotationsWhenFollowingTheMonitor(JavaClasses classes) {
        MONITOR_REACHES_NO_JACKSON_NETTY_OR_FABRIC8.check(classes);
    }

    /**
     * Follows the dependencies of a class through our own classes ({@code io.vmflex..}), leaving out
     * those that come from annotations, and reports a path to any class in {@code packages}.
     */
    private static ArchCondition<JavaClass> reachNoClassOutsideAnnotationsIn(String... packages) {
        return new ArchCondition<>("reach no class in %s except through annotations", String.join(", ", packages)) {
            @Override
            public void check(JavaClass start, ConditionEvents events) {
                Map<JavaClass, Dependency> reachedBy = new HashMap<>();
                Deque<JavaClass> todo = new ArrayDeque<>();
                todo.add(start);
                reachedBy.put(start, null);
                while (!todo.isEmpty()) {
                    JavaClass c = todo.poll();
                    for (Dependency d : c.getDirectDependenciesFromSelf()) {
                        if (fromAnnotation(d)) {
                            continue;
                        }
                        JavaClass target = d.getTargetClass().getBaseComponentType();
                        if (target.getPackage().getName().startsWith("java.") || reachedBy.containsKey(target)) {
                            continue;
                        }
                        if (JavaClass.Predicates.resideInAnyPackage(packages).test(target)) {
                            events.add(SimpleConditionEvent.violated(start, start.getName() + " reaches "
                                    + target.getName() + ": " + path(reachedBy, d)));
                            continue;
                        }
                        if (JavaClass.Predicates.resideInAPackage("io.vmflex..").test(target)) {
                            reachedBy.put(target, d);
                            todo.add(target);
                        }
                    }
                }
            }
        };
    }

    /**
     * An annotation on a class, member or parameter ("is annotated with"), or one of its values (class
     * literals, enum constants, nested annotations), which ArchUnit describes as "has annotation member
     * of type" and offers no other way to tell apart.
     */
    private static boolean fromAnnotation(Dependency d) {
        return d.getTargetClass().isAnnotation() || d.getDescription().contains(" has annotation member of type ");
    }

    private static String path(Map<JavaClass, Dependency> reachedBy, Dependency last) {
        StringBuilder out = new StringBuilder(last.getDescription());
        for (Dependency d = reachedBy.get(last.getOriginClass()); d != null; d = reachedBy.get(d.getOriginClass())) {
            out.insert(0, d.getDescription() + " -> ");
        }
        return out.toString();
    }
}
