package io.vmflex.cli.timeline;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Renders a {@link Timeline} as one self-contained HTML page: inline SVG, no script, no external
 * file or font, so it opens offline and can be attached to an issue. Three panels share the time
 * axis: CPU (vCPUs against load and busy time), memory (what the VM has against what the guest
 * uses), and client throughput; every mark is a dashed vertical line with its label as a tooltip
 * and in a numbered list below. Stateless.
 */
public final class TimelineChart {
    private static final int WIDTH = 960;
    private static final int PANEL = 180;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int GAP = 40;
    private static final double GIB = 1024.0 * 1024 * 1024;

    private record Series(String name, String colour, ToDoubleFunction<Timeline.Sample> value, boolean step) {
    }

    private TimelineChart() {
    }

    public static String html(Timeline timeline) {
        List<Timeline.Sample> samples = timeline.samples();
        double end = Math.max(1, samples.isEmpty() ? 1 : samples.getLast().seconds());
        for (Timeline.Mark m : timeline.marks()) {
            end = Math.max(end, m.seconds());
        }
        StringBuilder svg = new StringBuilder();
        int height = 3 * (PANEL + GAP) + 20;
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, height));
        panel(svg, 0, "CPU", "", samples, end, List.of(
                new Series("vCPUs", "#1f77b4", Timeline.Sample::vcpus, true),
                new Series("load1", "#ff7f0e", Timeline.Sample::load1, false),
                new Series("busy CPU-s/s", "#2ca02c", Timeline.Sample::cpuBusy, false)));
        panel(svg, 1, "Memory", " GiB", samples, end, List.of(
                new Series("VM memory", "#1f77b4", s -> s.memoryBytes() / GIB, true),
                new Series("guest used", "#d62728", s -> s.usedBytes() / GIB, false)));
        panel(svg, 2, "Throughput", " tps", samples, end, List.of(
                new Series("tps", "#9467bd", Timeline.Sample::tps, false)));
        List<Timeline.Mark> marks = timeline.marks();
        for (int i = 0; i < marks.size(); i++) {
            Timeline.Mark m = marks.get(i);
            double x = x(m.seconds(), end);
            svg.append(String.format(Locale.ROOT,
                    "<g><title>%s</title><line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\" stroke-dasharray=\"3,3\"/>"
                            + "<text x=\"%.1f\" y=\"10\" fill=\"#555\" font-size=\"10\">%d</text></g>%n",
                    escape(String.format(Locale.ROOT, "%.1f s: %s", m.seconds(), m.label())), x, x, height - 20, x + 2, i + 1));
        }
        svg.append("</svg>\n");

        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(timeline.title()))
                .append("</title>\n<style>body{font-family:sans-serif;margin:20px}li{font-size:13px}</style></head><body>\n")
                .append("<h2>").append(escape(timeline.title())).append("</h2>\n").append(svg).append("<ol>\n");
        for (Timeline.Mark m : marks) {
            page.append(String.format(Locale.ROOT, "<li>%.1f s: %s</li>%n", m.seconds(), escape(m.label())));
        }
        return page.append("</ol>\n</body></html>\n").toString();
    }

    private static void panel(StringBuilder svg, int index, String title, String unit, List<Timeline.Sample> samples,
            double end, List<Series> series) {
        int top = 20 + index * (PANEL + GAP);
        double max = 0;
        for (Series s : series) {
            for (Timeline.Sample sample : samples) {
                double v = s.value().applyAsDouble(sample);
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        max = max <= 0 ? 1 : max * 1.1;
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n",
                LEFT, top, WIDTH - LEFT - RIGHT, PANEL));
        svg.append(String.format(Locale.ROOT, "<text x=\"5\" y=\"%d\" font-weight=\"bold\">%s</text>%n", top + 14, escape(title)));
        for (int tick = 0; tick <= 4; tick++) {
            double v = max * tick / 4;
            double y = top + PANEL - PANEL * tick / 4.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%.2f%s</text>%n",
                    LEFT - 4, y + 4, v, escape(unit)));
        }
        for (int tick = 0; tick <= 10; tick++) {
            double t = end * tick / 10;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%.0fs</text>%n",
                    x(t, end), top + PANEL + 14, t));
        }
        int legendX = LEFT + 10;
        for (Series s : series) {
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" points=\"%s\"/>%n",
                    s.colour(), points(samples, s, top, max, end)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n",
                    legendX, top + 14, s.colour(), escape(s.name())));
            legendX += 12 + 8 * s.name().length();
        }
    }

    private static String points(List<Timeline.Sample> samples, Series s, int top, double max, double end) {
        StringBuilder p = new StringBuilder();
        Double previousY = null;
        for (Timeline.Sample sample : samples) {
            double v = s.value().applyAsDouble(sample);
            if (!Double.isFinite(v)) {
                continue;
            }
            double x = x(sample.seconds(), end);
            double y = top + PANEL - PANEL * Math.min(v, max) / max;
            if (s.step() && previousY != null) {
                p.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, previousY));
            }
            p.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            previousY = y;
        }
        return p.toString().strip();
    }

    private static double x(double seconds, double end) {
        return LEFT + (WIDTH - LEFT - RIGHT) * seconds / end;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c < ' ' ? ' ' : c);
            }
        }
        return out.toString();
    }
}
