package io.vmflex.kube.placement;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;

/**
 * More work the leading replica runs beside placement over the same {@link ClusterCache} (the watermark
 * migrations), started when it takes the Lease and closed when it loses it. Keeps placement free of
 * what it runs.
 */
@FunctionalInterface
public interface LeaderWork {

    /** Starts the work over the cache (its first lists are in); the result stops it. */
    AutoCloseable start(KubernetesClient client, ClusterCache cache, Clock clock);
}
