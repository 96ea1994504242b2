package io.vmflex.cli.bench;

import io.vmflex.client.Response;

import java.nio.file.Path;

/**
 * A node the autoscaling benchmark's guests run on, seen through its daemon's admin socket: {@code vmflex
 * up} ({@link BenchUpNode}), or a {@code vmflex daemon --kubeconfig} whose VMs are created through the API
 * server (the cluster-mode harness). VM names are the daemon's.
 */
interface BenchNode {

    Response request(String method, String path, String contentType, String body);

    /** Follows the VM's console (from now on) and the node's events about it into {@code timeline}. */
    void follow(String vm, AutoscaleTimeline timeline);

    boolean alive();

    /** The node process's log, for the error when it died. */
    Path log();
}
