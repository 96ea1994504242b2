package io.vmflex.api.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.ObjectMeta;
import io.vmflex.api.vm.VirtualMachine;

import java.util.Map;
import java.util.Set;

/**
 * What a VM's labels and annotations say about its autoscaling, read and checked against its spec.
 *
 * <p>Neon reads a label as on only when it is exactly {@code "true"}; vmflex also accepts
 * {@code "false"} and refuses any other value, so that a typo ({@code "True"}, {@code "yes"}) is an
 * error at apply rather than a VM that silently never scales.
 *
 * <p>Immutable and thread-safe.
 *
 * @param enabled              label {@code autoscaling.neon.tech/enabled} is {@code "true"}
 * @param autoMigrationEnabled label {@code autoscaling.neon.tech/auto-migration-enabled} is {@code "true"}
 * @param bounds               the annotation's bounds, or the spec's own range when it is absent
 * @param unitOverride         the VM's own compute unit, or null to use the node's
 */
public record AutoscalingSettings(boolean enabled, boolean autoMigrationEnabled, ScalingBounds bounds,
                                  ComputeUnit unitOverride) {

    public static final String LABEL_ENABLED = "autoscaling.neon.tech/enabled";
    public static final String LABEL_AUTO_MIGRATION = "autoscaling.neon.tech/auto-migration-enabled";
    public static final String ANNOTATION_BOUNDS = "autoscaling.neon.tech/bounds";
    public static final String ANNOTATION_SCALING_UNIT = "autoscaling.neon.tech/scaling-unit";

    private static final Set<String> BOUNDS_KEYS = Set.of("min", "max");
    private static final Set<String> AMOUNT_KEYS = Set.of("cpu", "mem");
    private static final Set<String> UNIT_KEYS = Set.of("vCPUs", "mem");

    /**
     * Reads the settings of a VM whose spec already passed validation (cpus and memorySlots present
     * and consistent).
     *
     * @throws InvalidSpecException naming the first broken label or annotation field
     */
    public static AutoscalingSettings of(VirtualMachine vm) {
        ObjectMeta meta = vm.metadata();
        Map<String, String> labels = meta == null || meta.labels() == null ? Map.of() : meta.labels();
        Map<String, String> annotations = meta == null || meta.annotations() == null ? Map.of() : meta.annotations();
        Guest guest = vm.spec().guest();
        boolean enabled = flag(labels, LABEL_ENABLED);
        boolean migration = flag(labels, LABEL_AUTO_MIGRATION);
        String boundsText = annotations.get(ANNOTATION_BOUNDS);
        ScalingBounds bounds = boundsText == null ? ScalingBounds.ofSpec(guest) : parseBounds(boundsText, guest);
        String unitText = annotations.get(ANNOTATION_SCALING_UNIT);
        ComputeUnit unit = unitText == null ? null : parseUnit(unitText, guest.memorySlotSize());
        return new AutoscalingSettings(enabled, migration, bounds, unit);
    }

    /** The unit this VM scales in: its own, else the node's. */
    public ComputeUnit unit(ComputeUnit nodeDefault) {
        return unitOverride != null ? unitOverride : nodeDefault;
    }

    /**
     * Parses and checks {@code autoscaling.neon.tech/bounds} against the guest's spec: every value
     * above zero, memory a whole number of slots, min ≤ max, and both inside the spec's range.
     */
    public static ScalingBounds parseBounds(String text, Guest guest) {
        String path = AnnotationReader.field(ANNOTATION_BOUNDS);
        JsonNode tree = AnnotationReader.parseObject(ANNOTATION_BOUNDS, text);
        AnnotationReader.onlyKeys(tree, path, BOUNDS_KEYS);
        ScalingBounds spec = ScalingBounds.ofSpec(guest);
        ByteQuantity slot = guest.memorySlotSize();
        ResourceAmount min = amount(tree, "min", path, slot);
        ResourceAmount max = amount(tree, "max", path, slot);
        if (max.cpu().compareTo(min.cpu()) < 0) {
            throw new InvalidSpecException(path + ".max.cpu", "must be at least min.cpu (" + min.cpu() + "), got "
                    + max.cpu());
        }
        if (max.mem().compareTo(min.mem()) < 0) {
            throw new InvalidSpecException(path + ".max.mem", "must be at least min.mem (" + min.mem() + "), got "
                    + max.mem());
        }
        if (min.cpu().compareTo(spec.min().cpu()) < 0) {
            throw new InvalidSpecException(path + ".min.cpu", "must be at least spec.guest.cpus.min ("
                    + spec.min().cpu() + "), got " + min.cpu());
        }
        if (max.cpu().compareTo(spec.max().cpu()) > 0) {
            throw new InvalidSpecException(path + ".max.cpu", "must be at most spec.guest.cpus.max ("
                    + spec.max().cpu() + "), got " + max.cpu());
        }
        if (min.mem().compareTo(spec.min().mem()) < 0) {
            throw new InvalidSpecException(path + ".min.mem", "must be at least spec.guest.memorySlots.min × "
                    + "memorySlotSize (" + spec.min().mem() + "), got " + min.mem());
        }
        if (max.mem().compareTo(spec.max().mem()) > 0) {
            throw new InvalidSpecException(path + ".max.mem", "must be at most spec.guest.memorySlots.max × "
                    + "memorySlotSize (" + spec.max().mem() + "), got " + max.mem());
        }
        return new ScalingBounds(min, max);
    }

    /** Parses and checks {@code autoscaling.neon.tech/scaling-unit} for a VM with this slot size. */
    public static ComputeUnit parseUnit(String text, ByteQuantity slotSize) {
        String path = AnnotationReader.field(ANNOTATION_SCALING_UNIT);
        JsonNode tree = AnnotationReader.parseObject(ANNOTATION_SCALING_UNIT, text);
        AnnotationReader.onlyKeys(tree, path, UNIT_KEYS);
        MilliCpu cpu = AnnotationReader.cpu(tree, "vCPUs", path);
        ByteQuantity mem = AnnotationReader.bytes(tree, "mem", path);
        if (cpu.millis() == 0) {
            throw new InvalidSpecException(path + ".vCPUs", "must be greater than 0");
        }
        if (mem.bytes() == 0) {
            throw new InvalidSpecException(path + ".mem", "must be greater than 0");
        }
        ComputeUnit unit = new ComputeUnit(cpu, mem);
        String misfit = unit.checkFits(slotSize);
        if (misfit != null) {
            throw new InvalidSpecException(path + ".mem", "must be a multiple of spec.guest.memorySlotSize ("
                    + slotSize + "), got " + mem);
        }
        return unit;
    }

    private static ResourceAmount amount(JsonNode tree, String key, String path, ByteQuantity slot) {
        JsonNode node = AnnotationReader.object(tree, key, path, AMOUNT_KEYS);
        String at = path + "." + key;
        MilliCpu cpu = AnnotationReader.cpu(node, "cpu", at);
        ByteQuantity mem = AnnotationReader.bytes(node, "mem", at);
        if (cpu.millis() == 0) {
            throw new InvalidSpecException(at + ".cpu", "must be greater than 0");
        }
        if (mem.bytes() == 0) {
            throw new InvalidSpecException(at + ".mem", "must be greater than 0");
        }
        if (mem.bytes() % slot.bytes() != 0) {
            throw new InvalidSpecException(at + ".mem", "must be a multiple of spec.guest.memorySlotSize (" + slot
                    + "), got " + mem);
        }
        return new ResourceAmount(cpu, mem);
    }

    private static boolean flag(Map<String, String> labels, String name) {
        String value = labels.get(name);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new InvalidSpecException("metadata.labels[" + name + "]", "must be \"true\" or \"false\", got \""
                + value + '"');
    }
}
