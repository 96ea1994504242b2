/**
 * KVM probing: {@link io.vmflex.sys.kvm.KvmProbe#probe(java.nio.file.Path)} opens the device,
 * reads the API version and limits, and runs a tiny real-mode guest through KVM_RUN on a
 * watchdog-guarded thread. The daemon uses the report to choose between {@code -accel kvm} and TCG.
 */
package io.vmflex.sys.kvm;
