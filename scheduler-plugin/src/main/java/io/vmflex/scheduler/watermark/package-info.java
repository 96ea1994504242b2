/**
 * Which VMs would have to move off nodes above their watermark ({@link
 * io.vmflex.scheduler.watermark.WatermarkChoice}): computed and reported here; acted on by the
 * Kubernetes issue, which creates the migrations.
 */
package io.vmflex.scheduler.watermark;
