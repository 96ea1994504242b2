/**
 * The scheduler's permit API over HTTPS (issue 18): agents in the node daemons ask {@code vmflex
 * scheduler} for permits with their pod-bound service account tokens; the leader decides with the
 * standalone scheduler's books, kept in step with the cluster.
 *
 * <pre>
 *   request:  PermitServer -> PermitAuthenticator (TokenReview, pod -> node) -> leader? -> PermitCodec
 *             -> PermitBooks (caller's node, VM bound there?, node reported?) -> Scheduler (Accounts)
 *   books:    ClusterCache change -> PermitBooks.sync: nodes, bound VMs booked, gone VMs released
 *   agent:    PermitClient (PermitService over HTTPS; 428 -> report, ask again)
 * </pre>
 *
 * {@link io.vmflex.kube.permit.SchedulerPermits} puts the server side together for {@code vmflex scheduler}.
 */
package io.vmflex.kube.permit;
