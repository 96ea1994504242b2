/**
 * This node: what it can run ({@link io.vmflex.vmm.node.NodeCheck}: KVM, QEMU, cgroups) and what
 * every VM on it shares ({@link io.vmflex.vmm.node.NodeContext}).
 */
package io.vmflex.vmm.node;
