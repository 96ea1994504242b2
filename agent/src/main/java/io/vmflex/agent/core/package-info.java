/**
 * The agent's pure decision logic, one {@link io.vmflex.agent.core.ScalingState} per VM, in Neon's
 * shape: {@link io.vmflex.agent.core.ScalingCore#onInput} and
 * {@link io.vmflex.agent.core.ScalingCore#nextActions} take a state, an input and a clock reading
 * and return the next state, the actions to run, the decisions that explain them and when to be
 * called again. Every retry, hold, window and deadline is a time in the state, so tests step a
 * fake clock.
 *
 * <pre>
 * inputs (ScalingInput)                       actions (ScalingAction)
 *   MetricsReceived, MonitorUpscaleRequested    RequestPermit            → scheduler
 *   VmObserved, MonitorConnection               PatchUse(revision)       → daemon admin API
 *   answers: PermitGranted/Failed,              NotifyUpscale            → guest monitor
 *   PatchApplied/RefusedMigrating/Failed,       RequestDownscaleApproval → guest monitor
 *   UpscaleNotified/..., DownscaleApproved/     ReleaseToScheduler       → scheduler
 *   Denied/..., Released/ReleaseFailed
 *
 * upscale:   Idle → AwaitingPermit → Applying → NotifyingMonitor → Idle     (permit → patch → notify)
 * downscale: Idle → AwaitingApproval → Applying → Releasing → Idle          (approval → patch → release)
 * </pre>
 *
 * Goal rules: {@link io.vmflex.agent.core.GoalCalculator}. Explanations:
 * {@link io.vmflex.agent.core.Decision}; latency per chain and leg:
 * {@link io.vmflex.agent.core.LatencySample}.
 */
package io.vmflex.agent.core;
