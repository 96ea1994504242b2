/**
 * Every native call of vmflex, behind a safe Java API.
 *
 * <p>This module is the only place in vmflex that touches {@code java.lang.foreign}. Callers
 * outside it use {@link io.vmflex.sys.Fd}, {@code byte[]} buffers and plain records; the few
 * methods that take or return a {@code MemorySegment} exist for sibling packages of this module
 * (KVM) and are marked as such.
 *
 * <p>Errors: every failing system call surfaces as one {@link io.vmflex.sys.NativeException}
 * naming the call and carrying {@code errno} (read through
 * {@code Linker.Option.captureCallState("errno")}, so no other libc call can clobber it).
 *
 * <p>Sub-packages: {@code kvm} (API version, capabilities, a real-mode self-test guest),
 * {@code cpu} (vmx/svm flags), {@code cgroup} (cgroup v2 files).
 */
package io.vmflex.sys;
