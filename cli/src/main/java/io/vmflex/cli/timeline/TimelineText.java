package io.vmflex.cli.timeline;

import java.util.Locale;

/** The timeline as aligned text lines, the way the demo prints it as it goes. Stateless. */
public final class TimelineText {
    private static final double GIB = 1024.0 * 1024 * 1024;

    private TimelineText() {
    }

    public static String header() {
        return String.format(Locale.ROOT, "%7s %6s %6s %6s %8s %8s %7s", "t(s)", "load1", "busy", "vcpus", "mem(GiB)",
                "used", "tps");
    }

    public static String line(Timeline.Sample s) {
        return String.format(Locale.ROOT, "%7.1f %6s %6s %6.2f %8.2f %8s %7s", s.seconds(), num(s.load1(), 2),
                num(s.cpuBusy(), 2), s.vcpus(), s.memoryBytes() / GIB, num(s.usedBytes() / GIB, 2), num(s.tps(), 0));
    }

    public static String line(Timeline.Mark m) {
        return String.format(Locale.ROOT, "%7.1f  >> %s", m.seconds(), m.label());
    }

    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
