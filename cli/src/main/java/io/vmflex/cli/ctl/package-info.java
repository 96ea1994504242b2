/**
 * {@code vmctl}, the command-line client of vmmd: picocli commands
 * ({@link io.vmflex.cli.ctl.VmctlCommand} and one class per subcommand) and the small formatters
 * behind their output (tables, ages, quantities, describe and node reports). Commands hold no
 * business logic: they build a request, send it, and print the answer. JSON is handled as
 * Jackson {@code JsonNode} trees so the CLI does not depend on the model classes' Java shape.
 */
package io.vmflex.cli.ctl;
