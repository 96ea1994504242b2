/**
 * VM networking on one node: {@link io.vmflex.netbridge.NodeBridge} (the bridge and gateway),
 * {@link io.vmflex.netbridge.VmNetwork} (a persistent tap per VM, attach/detach/cleanup, QEMU and
 * kernel arguments), {@link io.vmflex.netbridge.IpPool} (addresses persisted per VM name) and
 * {@link io.vmflex.netbridge.VmMac} (MACs derived from VM names). All kernel work goes through
 * {@code io.vmflex.sys.netlink} and {@code io.vmflex.sys.tun}; nothing runs {@code ip(8)}.
 */
package io.vmflex.netbridge;
