/**
 * Autoscaling settings a VM carries in its metadata, with Neon's names: the label
 * {@code autoscaling.neon.tech/enabled}, the label {@code autoscaling.neon.tech/auto-migration-enabled},
 * the bounds annotation {@code autoscaling.neon.tech/bounds} and the per-VM compute unit annotation
 * {@code autoscaling.neon.tech/scaling-unit}. {@link io.vmflex.api.autoscaling.AutoscalingSettings#of}
 * reads and checks them all; an invalid value is an {@code InvalidSpecException} naming the field, as
 * {@code metadata.annotations[autoscaling.neon.tech/bounds].max.cpu: ...}. Pure: no I/O.
 */
package io.vmflex.api.autoscaling;
