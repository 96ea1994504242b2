/**
 * Turning bytes into a trusted VirtualMachine: strict parsing with field paths
 * ({@link io.vmflex.api.validation.Manifests}), NeonVM's defaults
 * ({@link io.vmflex.api.validation.VmDefaults}), NeonVM's webhook rules
 * ({@link io.vmflex.api.validation.VmValidator}) and JSON / merge patches
 * ({@link io.vmflex.api.validation.Patches}). Every failure is an
 * {@link io.vmflex.api.validation.InvalidSpecException}.
 */
package io.vmflex.api.validation;
