/**
 * cgroup v2 through its files: create and remove cgroups, move processes, set {@code cpu.max},
 * {@code cpu.weight} and {@code memory.max}. Plain file I/O (cgroupfs needs no special calls);
 * it lives here because it is host plumbing, like the rest of this module.
 */
package io.vmflex.sys.cgroup;
