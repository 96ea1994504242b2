package io.vmflex.netbridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The MAC address of a VM's NIC, derived from its name alone, so that every node (and every
 * restart) gives the same VM the same MAC: first byte {@code 0x02} (locally administered,
 * unicast), then 40 bits of SHA-256 of the name.
 *
 * <p>40 bits keep collisions unlikely across a cluster's flat L2 overlay (about 1 in 10^6 for
 * 1,500 VMs); QEMU's own default {@code 52:54:00:12:34:56} can never be produced.
 *
 * <p>Stateless; thread-safe.
 */
public final class VmMac {

    private VmMac() {
    }

    /** The VM's MAC, six bytes (a fresh array on each call). */
    public static byte[] of(String vmName) {
        byte[] digest = sha256("vmflex-mac:" + requireVmName(vmName));
        byte[] mac = new byte[6];
        mac[0] = 0x02;
        System.arraycopy(digest, 0, mac, 1, 5);
        return mac;
    }

    /**
     * The MAC of the host side of the VM's tap: the VM's MAC with first byte {@code 0xfe}. A
     * bridge that has no address of its own takes its lowest port MAC; {@code 0xfe} keeps the
     * taps out of that choice (and {@link NodeBridge} pins the bridge MAC anyway).
     */
    public static byte[] tapSide(String vmName) {
        byte[] mac = of(vmName);
        mac[0] = (byte) 0xfe;
        return mac;
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** VM names as netbridge stores them: non-empty, no whitespace or control characters. */
    static String requireVmName(String vmName) {
        if (vmName == null || vmName.isEmpty()) {
            throw new IllegalArgumentException("VM name must not be empty");
        }
        for (int i = 0; i < vmName.length(); i++) {
            char c = vmName.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException("VM name must not contain whitespace or control characters: '"
                        + vmName + "'");
            }
        }
        return vmName;
    }
}
