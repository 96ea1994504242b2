package io.vmflex.vmm.qemu;

import io.vmflex.api.vm.EnvVar;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.GuestSettings;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Hands {@code spec.guest.env}, {@code command} and {@code args} to the guest on the kernel
 * command line, where the guest's init reads them before anything else runs:
 * {@code vmflex.env=<base64 of NAME=VALUE lines>} and {@code vmflex.cmd=<base64 of the command
 * and its args, one per line>}. Base64 keeps spaces, quotes and newlines from being split by the
 * kernel.
 *
 * <p>Also {@code spec.guest.settings.sysctl} as {@code vmflex.sysctl=<base64 of the lines>}, which
 * the init applies with sysctl(8) before anything else starts, and
 * {@code spec.guest.memhpAutoMovableRatio} as NeonVM passes it: hot-plugged memory onlined by the
 * kernel itself with the {@code auto-movable} policy, at most that many percent of MOVABLE memory
 * per KERNEL memory ({@code memhp_default_state=online memory_hotplug.online_policy=auto-movable
 * memory_hotplug.auto_movable_ratio=<ratio>}); these come after the image's command line, so they
 * win over its {@code memhp_default_state=online_movable}. Pure; thread-safe.
 */
public final class GuestParameters {
    /** x86's COMMAND_LINE_SIZE less the terminating NUL. */
    public static final int MAX_CMDLINE = 2047;

    private GuestParameters() {
    }

    /** The arguments to append (with a leading space each), or "" when there is nothing to pass. */
    public static String kernelArgs(Guest guest) {
        StringBuilder out = new StringBuilder();
        if (guest.env() != null && !guest.env().isEmpty()) {
            StringBuilder env = new StringBuilder();
            for (EnvVar e : guest.env()) {
                env.append(e.name()).append('=').append(e.value() == null ? "" : e.value()).append('\n');
            }
            out.append(" vmflex.env=").append(b64(env.toString()));
        }
        List<String> argv = new ArrayList<>();
        if (guest.command() != null) {
            argv.addAll(guest.command());
        }
        if (guest.args() != null) {
            argv.addAll(guest.args());
        }
        if (!argv.isEmpty()) {
            out.append(" vmflex.cmd=").append(b64(String.join("\n", argv) + "\n"));
        }
        GuestSettings settings = guest.settings();
        if (settings != null && settings.sysctl() != null && !settings.sysctl().isEmpty()) {
            StringBuilder lines = new StringBuilder();
            for (String line : settings.sysctl()) {
                lines.append(line.strip()).append('\n');
            }
            out.append(" vmflex.sysctl=").append(b64(lines.toString()));
        }
        if (guest.memhpAutoMovableRatio() != null) {
            out.append(" memhp_default_state=online memory_hotplug.online_policy=auto-movable")
                    .append(" memory_hotplug.auto_movable_ratio=").append(guest.memhpAutoMovableRatio());
        }
        return out.toString();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
