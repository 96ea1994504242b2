package io.vmflex.cli.ctl;

import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;

/**
 * What a vmctl run reads from and writes to: its streams, clock and environment. Passed in so
 * that tests drive commands without touching the process's own. Immutable.
 */
record CliContext(PrintStream out, PrintStream err, InputStream in, Clock clock, Map<String, String> env) {

    CliContext {
        env = Map.copyOf(env);
    }

    boolean debug() {
        return "1".equals(env.get("VMFLEX_DEBUG"));
    }
}
