/**
 * TAP devices through {@code /dev/net/tun} ({@code TUNSETIFF}, {@code TUNSETPERSIST}): each VM's
 * persistent tap, which QEMU opens by name. Bridging and addresses are in
 * {@link io.vmflex.sys.netlink}.
 */
package io.vmflex.sys.tun;
