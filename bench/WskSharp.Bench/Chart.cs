using System.Globalization;
using ScottPlot;

namespace WskSharp.Bench;

/// <summary>The P1 chart: the distribution (empirical CDF) of time to first byte, one line per peer; left panel the
/// peers whose request rides in the SYN, right panel those that wait for the handshake (one round trip more).</summary>
internal static class Chart
{
    private static readonly string[] FastOpenPeers = ["wsk-tfo", "c-tfo", "dotnet-saea-fo"];

    public static string? P1(IEnumerable<PeerRun> runs, IEnumerable<string> order, string path)
    {
        try
        {
            List<PeerRun> all = [.. runs];
            string[] peers = [.. order];
            var multiplot = new ScottPlot.Multiplot();
            multiplot.AddPlots(2);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
            Panel(multiplot.GetPlot(0), all, [.. peers.Where(p => FastOpenPeers.Contains(p))], "request in the SYN (Fast Open, warm cookie)");
            Panel(multiplot.GetPlot(1), all, [.. peers.Where(p => !FastOpenPeers.Contains(p))], "request after the handshake");
            multiplot.SavePng(path, 1400, 620);
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ex.Message;
        }
    }

    private static void Panel(ScottPlot.Plot plt, List<PeerRun> runs, string[] peers, string title)
    {
        double left = double.MaxValue, right = 0;
        foreach (string peer in peers)
        {
            double[] ms = [.. runs.Where(r => r.Peer == peer).SelectMany(r => r.TtfbUs).Select(us => us / 1000).Order()];
            if (ms.Length == 0)
            {
                continue;
            }

            double[] pct = [.. Enumerable.Range(1, ms.Length).Select(i => 100.0 * i / ms.Length)];
            var line = plt.Add.ScatterLine(ms, pct);
            line.LegendText = string.Create(CultureInfo.InvariantCulture,
                $"{peer}: p50 {Stats.Percentile(ms, 50):F2} ms, p99 {Stats.Percentile(ms, 99):F2} ms (n={ms.Length})");
            line.LineWidth = peer.StartsWith("wsk", StringComparison.Ordinal) ? 3 : 1.5f;
            left = Math.Min(left, ms[0]);
            right = Math.Max(right, Stats.Percentile(ms, 99));
        }

        if (right > left)
        {
            // Up to the largest p99: the rare slow outliers beyond it would squeeze the distributions into a corner.
            double pad = (right - left) * 0.05;
            plt.Axes.SetLimitsX(left - pad, right + pad);
        }

        plt.Title($"P1 TTFB over a 20 ms RTT: {title}", size: 13);
        plt.YLabel("connections (cumulative %)");
        plt.XLabel("time to first response byte (ms); x axis ends at the largest p99");
        plt.Axes.SetLimitsY(0, 101);
        plt.ShowLegend(ScottPlot.Alignment.LowerRight);
    }
}
