package io.vmflex.cli.bench;

/**
 * The two guest commands of {@code vmflex bench autoscale}, as busybox {@code sh -c} scripts for
 * the test image ({@code spec.guest.command}). The guest runs its own schedule and prints a marker
 * line at each step ({@link AutoscaleTimeline} parses them); the host only listens, so nothing on
 * the host's side has to reach into the guest.
 *
 * <p>Both scripts wait before each step until the guest is back at its minimum and has been idle
 * for a while (a gate): the next step starts from the same place whatever the rules, and a rule set
 * that is slow to come back down simply makes its runs longer. The CPU gate also waits (for a
 * while) for the guest's 1-minute load average to fall to {@code gateLoad}: Neon's rules read the
 * load average, so a step that began with the load of the previous one still in it would be acted
 * on sooner. Each step's marker carries the load average it began with.
 *
 * <p>The scripts travel on the kernel command line (base64, at most 2047 bytes in all), so they are
 * terse; {@link #MAX_SCRIPT_CHARS} leaves room for the rest of the command line. Builtins only in
 * the polling loops (forks are slow under TCG). Stateless.
 */
final class AutoscaleGuestScripts {
    /** Marker lines start with this. */
    static final String MARKER = "vmflex-bench:";
    /** base64 makes 4 of 3 bytes; the image's own parameters and vmflex.cmd= need ~150 of 2047. */
    static final int MAX_SCRIPT_CHARS = 1400;

    /**
     * The load-step schedule.
     *
     * @param runs              load steps
     * @param burners           busy loops started at each step (the VM's maximum vCPUs: all of them busy)
     * @param steadySeconds     how long the load goes on after the guest saw its extra vCPU
     * @param upscaleTimeoutSec how long the guest waits for the extra vCPU before it goes on without
     * @param gateLoadHundredths the 1-minute load average (x100) a step waits for
     * @param gateSeconds       consecutive seconds at 1 vCPU before a step
     * @param gateMaxSeconds    consecutive seconds at 1 vCPU after which a step begins whatever the load
     *                          average: on a busy host an idle TCG guest's own load average stays near 1
     *                          (its few tasks wait for a vCPU the host does not run)
     * @param minUptimeSeconds  no step before this guest uptime (the monitor's JVM starts meanwhile)
     */
    record LoadSchedule(int runs, int burners, int steadySeconds, int upscaleTimeoutSec, int gateLoadHundredths,
                        int gateSeconds, int gateMaxSeconds, int minUptimeSeconds) {
        LoadSchedule {
            if (runs < 1 || burners < 1 || steadySeconds < 1 || upscaleTimeoutSec < 1 || gateLoadHundredths < 0
                    || gateSeconds < 1 || gateMaxSeconds < gateSeconds || minUptimeSeconds < 0) {
                throw new IllegalArgumentException("load schedule out of range: " + this);
            }
        }
    }

    /**
     * One memory step, on a freshly booted guest. One per VM: after a memory downscale under TCG the
     * guest monitor asks for memory again within seconds (the virtio-mem unplug takes the pages it
     * gives back out of MemAvailable first), and the agent then holds the memory for ten downscale
     * windows, 200 s with vmflex's rules; a new VM per step is quicker than waiting that out.
     *
     * @param run              the run number the markers carry
     * @param fillMib          MiB written to a tmpfs file (tmpfs pages are not reclaimable, so used memory
     *                         jumps by that much)
     * @param plugTimeoutSec   how long the guest waits for more memory before it ends without
     * @param grownKb          MemTotal growth (kB) that counts as "memory plugged" for the guest's own wait
     * @param gateSeconds      consecutive seconds at the boot MemTotal before the step
     * @param minUptimeSeconds no step before this guest uptime (the monitor's JVM starts meanwhile)
     */
    record MemorySchedule(int run, int fillMib, int plugTimeoutSec, long grownKb, int gateSeconds, int minUptimeSeconds) {
        MemorySchedule {
            if (run < 1 || fillMib < 1 || plugTimeoutSec < 1 || grownKb < 1 || gateSeconds < 1 || minUptimeSeconds < 0) {
                throw new IllegalArgumentException("memory schedule out of range: " + this);
            }
        }
    }

    private AutoscaleGuestScripts() {
    }

    /**
     * Per run: gate (1 vCPU for {@code gateSeconds}, and load1 at most {@code gateLoad} unless 1 vCPU
     * for {@code gateMaxSeconds}); {@code load on run=N load1=X}; start the burners; wait (at most the timeout)
     * until a second CPU is online; keep burning {@code steadySeconds}; stop; {@code load off run=N}.
     * After the last run: gate, {@code done}.
     */
    static String loadSteps(LoadSchedule s) {
        StringBuilder burners = new StringBuilder();
        StringBuilder pids = new StringBuilder();
        for (int i = 0; i < s.burners(); i++) {
            burners.append("b&p").append(i).append("=$!;");
            pids.append(" $p").append(i);
        }
        String script = ""
                + "c(){ read o</sys/devices/system/cpu/online;};"
                + "l(){ read a _</proc/loadavg;y=${a#*.};L=$((${a%%.*}*100+${y#0}));};"
                + "t(){ read u _</proc/uptime;T=${u%%.*};};"
                + "g(){ n=0;l;while [ $n -lt " + s.gateSeconds() + " ]||{ [ $L -gt " + s.gateLoadHundredths() + " ]&&[ $n -lt "
                + s.gateMaxSeconds() + " ];};do sleep 1;c;l;t;"
                + "if [ \"$o\" = 0 ]&&[ $T -ge " + s.minUptimeSeconds() + " ];then n=$((n+1));else n=0;fi;done;};"
                + "b(){ while :;do :;done;};"
                + "i=1;while [ $i -le " + s.runs() + " ];do g;"
                + "echo \"" + MARKER + " load on run=$i load1=$a\";"
                + burners
                + "t;e=$((T+" + s.upscaleTimeoutSec() + "));c;while [ \"$o\" = 0 ]&&[ $T -lt $e ];do sleep 0.2;c;t;done;"
                + "sleep " + s.steadySeconds() + ";kill" + pids + ";"
                + "echo \"" + MARKER + " load off run=$i\";"
                + "i=$((i+1));done;g;echo \"" + MARKER + " done\"";
        return checked(script);
    }

    /**
     * A tmpfs on /dev/shm; gate (MemTotal at its boot value); {@code fill run=N}; write the file;
     * {@code filled run=N}; wait (at most the timeout) until MemTotal grew by {@code grownKb};
     * {@code done}. The file stays: the VM is deleted next.
     */
    static String memoryStep(MemorySchedule s) {
        String script = ""
                + "mkdir -p /dev/shm;mount -t tmpfs -o size=" + (s.fillMib() + 64) + "m tmpfs /dev/shm;"
                + "m(){ while read k v _;do [ $k = MemTotal: ]&&{ M=$v;return;};done</proc/meminfo;};"
                + "t(){ read u _</proc/uptime;T=${u%%.*};};"
                + "m;B=$M;n=0;while [ $n -lt " + s.gateSeconds() + " ];do sleep 1;m;t;"
                + "if [ $M -le $((B+1024)) ]&&[ $T -ge " + s.minUptimeSeconds() + " ];then n=$((n+1));else n=0;fi;done;"
                + "echo \"" + MARKER + " fill run=" + s.run() + "\";"
                + "dd if=/dev/zero of=/dev/shm/f bs=1M count=" + s.fillMib() + " 2>/dev/null;"
                + "echo \"" + MARKER + " filled run=" + s.run() + "\";"
                + "t;e=$((T+" + s.plugTimeoutSec() + "));m;while [ $M -lt $((B+" + s.grownKb() + ")) ]&&[ $T -lt $e ];"
                + "do sleep 0.2;m;t;done;echo \"" + MARKER + " done\"";
        return checked(script);
    }

    private static String checked(String script) {
        if (script.length() > MAX_SCRIPT_CHARS) {
            throw new IllegalStateException("guest script of " + script.length() + " characters does not fit the kernel"
                    + " command line (at most " + MAX_SCRIPT_CHARS + ")");
        }
        return script;
    }
}
