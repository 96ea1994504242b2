package io.vmflex.api.validation;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.GuestSettings;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules for what the guest's kernel and init get from the spec: {@code spec.guest.settings}
 * ({@code sysctl} lines, {@code swap} size) and {@code spec.guest.memhpAutoMovableRatio}. Both travel on the kernel
 * command line (at most 2047 bytes), so their sizes are bounded here, and a sysctl line must have
 * the shape {@code name = value} so that the guest can apply it without interpreting anything.
 *
 * <p>Stateless and thread-safe.
 */
final class GuestSettingsRules {
    /** At most this many sysctl lines. */
    static final int MAX_SYSCTL_LINES = 32;
    /** At most this many characters in one sysctl line. */
    static final int MAX_SYSCTL_LINE = 200;
    /** The kernel reads {@code memory_hotplug.auto_movable_ratio} as an unsigned int percent; 9 digits fit. */
    static final int MAX_RATIO_DIGITS = 9;
    /** The largest swap disk: 1 TiB (a sparse file, but a guest that swaps that much is lost anyway). */
    static final long MAX_SWAP_BYTES = 1L << 40;

    /**
     * {@code name = value}: the name is segments of letters, digits, '_', '-' and ':' joined by '.'
     * or '/' (as sysctl(8) reads them; no "..", so a name stays under /proc/sys); the value is
     * printable ASCII, spaces and tabs included (e.g. {@code net.ipv4.tcp_rmem = 4096 87380 6291456}).
     */
    private static final Pattern SYSCTL_LINE = Pattern.compile(
            "[A-Za-z0-9_:-]+([./][A-Za-z0-9_:-]+)*[ \t]*=[ \t]*[\\x21-\\x7e]([\\x20-\\x7e\t]*[\\x21-\\x7e])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    private GuestSettingsRules() {
    }

    /** @throws InvalidSpecException naming the first field that breaks a rule */
    static void validate(Guest guest) {
        String ratio = guest.memhpAutoMovableRatio();
        if (ratio != null && (!DIGITS.matcher(ratio).matches() || ratio.length() > MAX_RATIO_DIGITS)) {
            throw new InvalidSpecException("spec.guest.memhpAutoMovableRatio",
                    "must be a whole number of percent (at most " + MAX_RATIO_DIGITS + " digits), got \"" + ratio + '"');
        }
        GuestSettings settings = guest.settings();
        if (settings == null) {
            return;
        }
        List<String> sysctl = settings.sysctl() == null ? List.of() : settings.sysctl();
        if (sysctl.size() > MAX_SYSCTL_LINES) {
            throw new InvalidSpecException("spec.guest.settings.sysctl",
                    "at most " + MAX_SYSCTL_LINES + " lines, got " + sysctl.size());
        }
        for (int i = 0; i < sysctl.size(); i++) {
            String field = "spec.guest.settings.sysctl[" + i + "]";
            String line = sysctl.get(i);
            if (line == null) {
                throw new InvalidSpecException(field, "required");
            }
            if (line.length() > MAX_SYSCTL_LINE) {
                throw new InvalidSpecException(field, "must be at most " + MAX_SYSCTL_LINE + " characters, got "
                        + line.length());
            }
            if (!SYSCTL_LINE.matcher(line.strip()).matches()) {
                throw new InvalidSpecException(field, "must be \"name = value\" (e.g. \"vm.swappiness = 10\"), got \""
                        + printable(line) + '"');
            }
        }
        ByteQuantity swap = settings.swap();
        if (swap != null && swap.bytes() == 0) {
            throw new InvalidSpecException("spec.guest.settings.swap", "must be greater than 0");
        }
        // A whole number of MiB: the swap disk is a raw file the guest sees in 512-byte sectors, and
        // mkswap wants at least ten pages.
        if (swap != null && (swap.bytes() % ByteQuantity.MI != 0 || swap.bytes() > MAX_SWAP_BYTES)) {
            throw new InvalidSpecException("spec.guest.settings.swap",
                    "must be a whole number of Mi between 1Mi and 1Ti, got " + swap);
        }
    }

    /** The line as one line of an error message: control characters shown as '?'. */
    private static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> out.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
        return out.toString();
    }
}
