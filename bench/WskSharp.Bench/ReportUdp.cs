using System.Globalization;
using System.Text;

namespace WskSharp.Bench;

/// <summary>The UDP phase's part of the report: its table, its goals and its figures on the ratio line.</summary>
internal sealed partial class Report
{
    /// <summary>UDP: one run per peer per round of request/response datagram pairs on loopback.</summary>
    public List<UdpRun> Udp { get; } = [];

    private sealed record UdpRow(string Peer, int Rounds, long Ok, long Failed, double Pps, double PpsMin, double PpsMax, double CpuUs,
        double CpuUsMin, double CpuUsMax, double UserUs, double SysUs, double? AllocPerPair, double JitMs, Dictionary<string, long> Errors);

    private List<UdpRow> UdpRows() => [.. Orchestrator.UdpPeers.Where(p => Udp.Any(r => r.Peer == p)).Select(UdpRowOf)];

    private UdpRow UdpRowOf(string peer)
    {
        List<UdpRun> runs = [.. Udp.Where(r => r.Peer == peer)];
        List<UdpRun> good = [.. runs.Where(r => r.Succeeded > 0)];
        return new UdpRow(peer, runs.Count, runs.Sum(r => r.Succeeded), runs.Sum(r => r.Failed + r.WarmupFailed),
            Stats.Median(good.Select(r => r.DatagramsPerSecond)), good.Count > 0 ? good.Min(r => r.DatagramsPerSecond) : double.NaN,
            good.Count > 0 ? good.Max(r => r.DatagramsPerSecond) : double.NaN, Stats.Median(good.Select(r => r.CpuUsPerDatagram)),
            good.Count > 0 ? good.Min(r => r.CpuUsPerDatagram) : double.NaN, good.Count > 0 ? good.Max(r => r.CpuUsPerDatagram) : double.NaN,
            Stats.Median(good.Select(r => r.CpuUserSeconds * 1e6 / r.Succeeded)), Stats.Median(good.Select(r => r.CpuSysSeconds * 1e6 / r.Succeeded)),
            good.Any(r => r.AllocatedBytesPerDatagram is not null) ? Stats.Median(good.Where(r => r.AllocatedBytesPerDatagram is not null).Select(r => r.AllocatedBytesPerDatagram!.Value)) : null,
            Stats.Median(good.Select(r => r.JitMsDuringMeasure)), Merge(runs.Select(r => r.Errors)));
    }

    /// <summary>The UDP goals and the ratio line's UDP figures.</summary>
    private (List<Goal> Goals, string Ratios) UdpFigures()
    {
        List<UdpRow> rows = UdpRows();
        UdpRow? ours = rows.FirstOrDefault(r => r.Peer == "wsk-udp" && r.Ok > 0);
        UdpRow? dotnet = rows.FirstOrDefault(r => r.Peer == "dotnet-udp" && r.Ok > 0);
        UdpRow? c = rows.FirstOrDefault(r => r.Peer == "c-udp" && r.Ok > 0);
        static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;
        double? vsDotnet = Ratio(ours?.Pps, dotnet?.Pps);
        double? vsC = Ratio(ours?.Pps, c?.Pps);
        double? cpuVsC = Ratio(ours?.CpuUs, c?.CpuUs);
        double? alloc = ours?.AllocPerPair;
        const string why = "not measured";
        var goals = new List<Goal>
        {
            new("UDP datagram pairs/s, ours (WskSendTo+WskReceiveFrom) / .NET SendToAsync+ReceiveFromAsync", vsDotnet, "≥ 1.0", Ge(vsDotnet, 1.0),
                vsDotnet is null ? why : Margin(vsDotnet, 1.0, lowerIsBetter: false)),
            new("UDP datagram pairs/s, ours / C sendto+recvfrom", vsC, "≥ 0.8", Ge(vsC, 0.8), vsC is null ? why : Margin(vsC, 0.8, lowerIsBetter: false)),
            new("UDP client CPU per datagram pair, ours / C", cpuVsC, "≤ 1.3", Le(cpuVsC, 1.3), cpuVsC is null ? why : Margin(cpuVsC, 1.3, lowerIsBetter: true)),
            new("UDP allocated bytes per steady-state datagram pair, ours (GC.GetTotalAllocatedBytes(true), all threads)", alloc, "0 (< 1)", alloc is { } a ? a < 1 : null,
                alloc is null ? why : string.Create(Inv, $".NET {F(dotnet?.AllocPerPair)}; the measured batch's start-up included")),
        };
        string ratios = $" udp_vs_dotnet={F(vsDotnet)} udp_vs_c={F(vsC)} cpu_udp_vs_c={F(cpuVsC)} alloc_udp_bytes={F(alloc, "F2")}";
        return (goals, ratios);
    }

    private void AppendUdp(StringBuilder md)
    {
        List<UdpRow> rows = UdpRows();
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("## UDP: request/response datagram pairs on loopback");
        md.AppendLine();
        md.AppendLine(Inv, $"{Meta.GetValueOrDefault("udp_shape")}. Every peer: unconnected sockets, a send to the server's address per request, a receive that reports the sender's address; a request unanswered for 2 s closes its socket and counts as lost. Pairs/s: replies received / wall time of the measured batch. Client CPU: getrusage (user + sys) of the client process over the measured batch / pairs. Allocation: `GC.GetTotalAllocatedBytes(precise: true)` over the measured batch / pairs (the batch's start, a few hundred bytes per socket for .NET's loops, included). Medians over rounds (min–max).");
        md.AppendLine();
        md.AppendLine("| peer | rounds | ok | failed | pairs/s (median) | pairs/s min–max | CPU µs/pair (median) | CPU min–max | user / sys µs | B allocated/pair | JIT ms in measure | ours pairs/s / peer | same, per round | ours CPU / peer | same, per round |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        UdpRow? ours = rows.FirstOrDefault(r => r.Peer == "wsk-udp");
        foreach (UdpRow r in rows)
        {
            bool managed = !r.Peer.StartsWith("c-", StringComparison.Ordinal);
            md.AppendLine(Inv, $"| {r.Peer}: {UdpDescribe.GetValueOrDefault(r.Peer)} | {r.Rounds} | {r.Ok} | {r.Failed} | {r.Pps:F0} | {r.PpsMin:F0}–{r.PpsMax:F0} | {r.CpuUs:F2} | {r.CpuUsMin:F2}–{r.CpuUsMax:F2} | {r.UserUs:F2} / {r.SysUs:F2} | {(r.AllocPerPair is { } a ? a.ToString("F3", Inv) : "—")} | {(managed ? r.JitMs.ToString("F1", Inv) : "—")} | {Vs(ours?.Pps / r.Pps)} | {Vs(UdpPaired("wsk-udp", r.Peer, x => x.DatagramsPerSecond))} | {Vs(ours?.CpuUs / r.CpuUs)} | {Vs(UdpPaired("wsk-udp", r.Peer, x => x.CpuUsPerDatagram))} |");
        }

        AppendErrors(md, rows.Select(r => (r.Peer, r.Errors)));
        UdpRow? dn = rows.FirstOrDefault(r => r.Peer == "dotnet-udp");
        UdpRow? c = rows.FirstOrDefault(r => r.Peer == "c-udp");
        if (dn is not null && c is not null)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"For context: .NET / C = {dn.Pps / c.Pps:F3} pairs/s (per round {UdpPaired("dotnet-udp", "c-udp", x => x.DatagramsPerSecond):F3}), CPU .NET / C = {dn.CpuUs / c.CpuUs:F3}.");
        }
    }

    private static string Vs(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("F3", Inv) : "—";

    /// <summary>Median over rounds of a/b computed within each round.</summary>
    private double UdpPaired(string a, string b, Func<UdpRun, double> metric)
    {
        var ratios = new List<double>();
        foreach (int round in Udp.Select(r => r.Round).Distinct())
        {
            UdpRun? x = Udp.FirstOrDefault(r => r.Round == round && r.Peer == a && r.Succeeded > 0);
            UdpRun? y = Udp.FirstOrDefault(r => r.Round == round && r.Peer == b && r.Succeeded > 0);
            if (x is not null && y is not null && metric(y) > 0)
            {
                ratios.Add(metric(x) / metric(y));
            }
        }

        return Stats.Median(ratios);
    }

    private static readonly Dictionary<string, string> UdpDescribe = new(StringComparer.Ordinal)
    {
        ["wsk-udp"] = "**ours**, as a driver writes it: WSK_FLAG_DATAGRAM_SOCKET, WskBind(0.0.0.0:0), then WskSendTo and WskReceiveFrom on one reused IRP per socket, each issued from the IRP's completion routine",
        ["c-udp"] = "C `sendto` + `recvfrom`, non-blocking sockets, one epoll set",
        ["dotnet-udp"] = ".NET `SendToAsync` + `ReceiveFromAsync` with `SocketAddress` (the allocation-free .NET 8+ overloads)",
    };
}
