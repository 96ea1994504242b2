#!/usr/bin/env bash
# The agent's decision benchmark on a simulated clock, each figure against Neon's rules in the same
# run (io.vmflex.agent.sim.AgentBenchmark): load step -> extra CPU asked and patched (p50/p95),
# time back to minimum after the load stops, resizes under a steady load, and the agent's heap and
# CPU for 100 simulated VMs over 30 simulated minutes. Simulated: it measures the agent's decisions,
# not QEMU's hot-plug (AutoscalingIT shows the whole path with real QEMU).
#
#   agent/bench/agent-bench.sh [RUNS]     # default 20 runs per mode
#
# Builds the module (never installs), then runs the harness.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cp_file="$PWD/agent/target/bench-classpath.txt"
./mvnw -q -pl agent -am compile dependency:build-classpath -Dmdep.outputFile="$cp_file"
cp="agent/target/classes:api/target/classes:admin-client/target/classes:$(cat "$cp_file")"
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vmflex.agent.sim.AgentBenchmark "${1:-20}"
