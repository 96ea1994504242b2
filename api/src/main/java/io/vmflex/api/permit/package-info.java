/**
 * The permit protocol between the autoscaler agent and the scheduler, version 1: the messages and
 * their strict JSON codec. In standalone mode ({@code vmflex up}) the agent hands these records to
 * the scheduler in-process; in cluster mode the same bodies travel over the scheduler's
 * authenticated HTTPS API. Shapes follow Neon's agent ↔ scheduler-plugin protocol (facts, not
 * code): the request names the total the VM wants, not a delta, so a repeated request cannot
 * reserve twice.
 *
 * <h2>Exchanges</h2>
 * <table>
 *   <caption>endpoints</caption>
 *   <tr><th>endpoint</th><th>body</th><th>answer</th></tr>
 *   <tr><td>{@code POST /v1/permits}</td><td>{@link io.vmflex.api.permit.PermitRequest}</td>
 *       <td>{@link io.vmflex.api.permit.PermitResponse}</td></tr>
 *   <tr><td>{@code PUT /v1/nodes/{node}/report}</td><td>{@link io.vmflex.api.permit.NodeReport}</td>
 *       <td>204, or 400 with the error</td></tr>
 * </table>
 *
 * <h2>Order of a scaling step</h2>
 * <ul>
 *   <li>Upscale: request {@code requested > current} → permit → the agent applies at most the
 *       permit → tells the guest monitor.</li>
 *   <li>Downscale: the monitor approves → the agent applies → request with
 *       {@code requested = current =} the new size: the release. Always granted.</li>
 *   <li>Same size: a heartbeat; changes nothing.</li>
 * </ul>
 *
 * <h2>Units</h2>
 * Amounts are {@code cpuMillis} (thousandths of a vCPU) and {@code memBytes}, exact integers in the
 * VM spec's own units; the request carries its compute unit so that partial grants come in whole
 * units of the VM's unit even when VMs or nodes use different units.
 *
 * <h2>Strictness</h2>
 * Bodies above 64 KiB (1 MiB for a node report), anything but one JSON object, an unsupported
 * {@code version}, unknown or duplicate fields, missing required fields, wrong JSON types, and
 * numbers out of range (negative amounts, more than 10,000 vCPUs or 64 TiB, a seq below 1, a load
 * average above 10^6) are refused with one {@link io.vmflex.api.permit.InvalidPermitMessageException}
 * whose message names the field ({@code requested.cpuMillis: must be between 0 and 10000000, got -1}).
 * The records' constructors enforce the same ranges for in-process callers.
 */
package io.vmflex.api.permit;
