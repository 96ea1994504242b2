package io.vmflex.sys.netlink;

/**
 * Linux network interface names: checked here, before any system call, with the kernel's own
 * rules ({@code dev_valid_name}): 1 to 15 bytes ({@code IFNAMSIZ} is 16 with the NUL), not
 * {@code "."} or {@code ".."}, and no {@code '/'}, {@code ':'} or whitespace.
 *
 * <p>Stateless; thread-safe.
 */
public final class IfName {

    /** {@code IFNAMSIZ - 1}: the longest name the kernel accepts. */
    public static final int MAX_LENGTH = 15;

    private IfName() {
    }

    /**
     * Returns {@code name} if the kernel would accept it as an interface name.
     *
     * @throws IllegalArgumentException naming the rule that {@code name} breaks
     */
    public static String requireValid(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("interface name must not be empty");
        }
        if (name.length() > MAX_LENGTH || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LENGTH) {
            throw new IllegalArgumentException("interface name '" + name + "' is longer than " + MAX_LENGTH
                    + " bytes (IFNAMSIZ 16 with the terminating NUL)");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name must not be '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x20) {
                throw new IllegalArgumentException("interface name '" + name
                        + "' contains a character the kernel refuses ('/', ':', whitespace or control)");
            }
        }
        return name;
    }
}
