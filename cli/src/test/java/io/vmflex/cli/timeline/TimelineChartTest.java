package io.vmflex.cli.timeline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TimelineChartTest {

    private static Timeline run() {
        Timeline t = new Timeline("pgbench <demo>");
        for (int s = 0; s <= 30; s++) {
            double vcpus = s < 10 ? 0.25 : s < 20 ? 1 : 0.25;
            t.add(new Timeline.Sample(s, s < 10 ? 0.1 : 1.8, s < 10 ? 0.05 : vcpus, vcpus, 1L << 30,
                    s == 5 ? Double.NaN : 400e6, s < 10 ? Double.NaN : 55));
        }
        t.mark(10, "ScaledUp cpu 0.25 -> 1 (busy 1.00 of 0.25, permit granted)");
        t.mark(20, "ScaledDown <cpu> 1 -> 0.25 & \"approved\"");
        return t;
    }

    @Test
    void shouldRenderASelfContainedPageWithEveryMarkListed() {
        String html = TimelineChart.html(run());

        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg"));
        assertEquals(6, html.split("<polyline").length - 1, "one line per series: vCPUs, load1, busy, memory, used, tps");
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.matches("(?s).*(src|href)=\"https?:.*"), "nothing loaded from elsewhere");
        assertTrue(html.contains("<li>10.0 s: ScaledUp cpu 0.25 -&gt; 1 (busy 1.00 of 0.25, permit granted)</li>"));
        assertTrue(html.contains("ScaledDown &lt;cpu&gt; 1 -&gt; 0.25 &amp; &quot;approved&quot;"), "labels escaped");
        assertTrue(html.contains("<title>pgbench &lt;demo&gt;</title>"));
    }

    @Test
    void shouldDrawVcpusAsStepsAndSkipUnknownValues() {
        Timeline t = new Timeline("x");
        t.add(new Timeline.Sample(0, Double.NaN, Double.NaN, 1, 1, Double.NaN, Double.NaN));
        t.add(new Timeline.Sample(10, Double.NaN, Double.NaN, 2, 1, Double.NaN, Double.NaN));
        String html = TimelineChart.html(t);
        // A step has an extra corner point: 3 points for 2 samples.
        String vcpus = html.substring(html.indexOf("points=\"") + 8);
        vcpus = vcpus.substring(0, vcpus.indexOf('"'));
        assertEquals(3, vcpus.split(" ").length, vcpus);
        assertTrue(html.contains("stroke=\"#ff7f0e\" stroke-width=\"1.8\" points=\"\""), "load1 unknown: no points");
    }

    @Test
    void shouldPrintAlignedTextLines() {
        Timeline t = run();
        assertEquals("   t(s)  load1   busy  vcpus mem(GiB)     used     tps", TimelineText.header());
        assertEquals("   12.0   1.80   1.00   1.00     1.00     0.37      55", TimelineText.line(t.samples().get(12)));
        assertEquals("    5.0   0.10   0.05   0.25     1.00        -       -", TimelineText.line(t.samples().get(5)));
        assertEquals("   10.0  >> ScaledUp cpu 0.25 -> 1 (busy 1.00 of 0.25, permit granted)", TimelineText.line(t.marks().getFirst()));
    }
}
