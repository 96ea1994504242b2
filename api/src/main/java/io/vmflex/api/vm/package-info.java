/**
 * The VirtualMachine model: immutable records that mirror NeonVM's {@code vm.neon.tech/v1} types
 * field for field, plus the value types {@link io.vmflex.api.vm.MilliCpu} and
 * {@link io.vmflex.api.vm.ByteQuantity}. {@code null} components mean "absent in the document".
 * No I/O here; parsing lives in {@code io.vmflex.api.validation.Manifests}.
 */
package io.vmflex.api.vm;
