/**
 * The guest channel: how the node daemon and the guest monitor talk over a virtio-serial port
 * (QEMU chardev Unix socket on the host, {@code /dev/virtio-ports/vmflex.monitor} in the guest).
 *
 * <h2>Framing</h2>
 * <pre>
 *  0               4                       4+N
 *  +---------------+------------------------+
 *  | N (u32, big-  | N bytes of UTF-8 JSON, |
 *  |   endian)     | one object             |
 *  +---------------+------------------------+
 * </pre>
 * {@code 1 <= N <= }{@link io.vmflex.api.guest.GuestFrames#MAX_PAYLOAD} (64 KiB). A length
 * outside that range, or a payload that is not one JSON object of a known shape, is a protocol
 * error: the receiver answers {@code InvalidMessage} when it can, and the host drops a channel that
 * keeps erring.
 *
 * <h2>Session</h2>
 * <ol>
 *   <li>The host opens the session with {@link io.vmflex.api.guest.VersionRange}
 *       {@code {"min":1,"max":1}}; it repeats it (once a second) until answered, because the
 *       guest may open its end later than the host.</li>
 *   <li>The guest answers {@link io.vmflex.api.guest.VersionChoice} {@code {"version":1}}; a
 *       guest receiving a range again starts a new session.</li>
 *   <li>Then {@link io.vmflex.api.guest.GuestMessage}s flow both ways, each with a {@code type}
 *       and an {@code id}. Ids the host makes are even, ids the guest makes are odd; a reply
 *       carries the id of its request.</li>
 * </ol>
 *
 * <h2>Messages</h2>
 * <table>
 *   <caption>who sends what</caption>
 *   <tr><th>message</th><th>from</th><th>answered by</th></tr>
 *   <tr><td>UpscaleRequest</td><td>guest</td><td>(later) UpscaleNotification</td></tr>
 *   <tr><td>Metrics</td><td>guest, every second</td><td>nothing</td></tr>
 *   <tr><td>DownscaleRequest{target}</td><td>host</td><td>DownscaleResult{ok,status}</td></tr>
 *   <tr><td>UpscaleNotification{granted}</td><td>host</td><td>UpscaleConfirmation</td></tr>
 *   <tr><td>HealthCheck</td><td>host</td><td>HealthCheck (same id)</td></tr>
 *   <tr><td>SetCpusOnline{cpus} (SysfsScaling)</td><td>host</td><td>CpusOnline{cpus}: online now</td></tr>
 *   <tr><td>InvalidMessage{error}, InternalError{error}</td><td>either</td><td>nothing</td></tr>
 * </table>
 */
package io.vmflex.api.guest;
