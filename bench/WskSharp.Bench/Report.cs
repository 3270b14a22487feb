using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WskSharp.Bench;

/// <summary>Aggregates the runs, checks the goals and writes latest.json, latest.md and the P1 chart.</summary>
internal sealed class Report(Plan plan, Orchestrator.RunContext ctx)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public Dictionary<string, object?> Meta { get; } = [];

    public List<string> Notes { get; } = [];

    public List<PeerRun> P1 { get; } = [];

    public List<PeerRun> P2 { get; } = [];

    public List<PeerRun> P5 { get; } = [];

    public List<PeerRun> Churn { get; } = [];

    /// <summary>The blackhole phase: 20 sequential connections per peer to a server whose SYN data is dropped.</summary>
    public List<PeerRun> Blackhole { get; } = [];

    /// <summary>The blackhole path, one connection per process, 20 processes per peer (ours with the memory file).</summary>
    public List<PeerRun> BlackholeProcesses { get; } = [];

    public AllocResult? P3 { get; set; }

    /// <summary>P4: one run per peer of N connections held at once in one process.</summary>
    public List<P4Result> P4 { get; } = [];

    public Dictionary<string, Dictionary<string, double>> Profile { get; } = [];

    private sealed record LatencyRow(string Peer, int N, long Failed, double P10, double P50, double P90, double P99, double Mean, double Min, double Max,
        long Acked, long Checked, long WarmupAcked, Dictionary<string, long> Errors, Dictionary<string, long> FailReasons);

    private sealed record RateRow(string Peer, int Rounds, long Ok, long Failed, double Cps, double CpsMin, double CpsMax, double CpuUs,
        double CpuUsMin, double CpuUsMax, double UserUs, double SysUs, long Acked, long Checked, Dictionary<string, long> Errors, double JitMs,
        double Gen0, double WarmupBursts);

    private sealed record BulkRow(string Peer, int Rounds, long Failed, double MiBps, double MiBpsMin, double MiBpsMax, double CpuSeconds, long Bytes,
        Dictionary<string, long> Errors);

    private sealed record Goal(string Name, double? Value, string Target, bool? Met, string Detail);

    public string Write(string dir)
    {
        Directory.CreateDirectory(dir);
        List<LatencyRow> p1 = [.. Orchestrator.P1Peers.Where(p => P1.Any(r => r.Peer == p)).Select(Latency)];
        List<RateRow> p2 = [.. Orchestrator.P2Peers.Concat(Orchestrator.P2LoopsPeers).Where(p => P2.Any(r => r.Peer == p)).Select(Rate)];
        List<BulkRow> p5 = [.. Orchestrator.P5Peers.Where(p => P5.Any(r => r.Peer == p)).Select(Bulk)];

        double? P1Of(string peer) => p1.FirstOrDefault(r => r.Peer == peer) is { N: > 0 } r ? r.P50 : null;
        double? CpsOf(string peer) => p2.FirstOrDefault(r => r.Peer == peer) is { Ok: > 0 } r ? r.Cps : null;
        double? CpuOf(string peer) => p2.FirstOrDefault(r => r.Peer == peer) is { Ok: > 0 } r ? r.CpuUs : null;
        double? BulkOf(string peer) => p5.FirstOrDefault(r => r.Peer == peer) is { MiBps: > 0 } r ? r.MiBps : null;
        static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;

        double? p1VsDotnet = Ratio(P1Of("wsk-tfo"), P1Of("dotnet"));
        double? p1VsC = Ratio(P1Of("wsk-tfo"), P1Of("c-tfo"));
        double? p2VsDotnet = Ratio(CpsOf("wsk-tfo"), CpsOf("dotnet"));
        double? p2VsC = Ratio(CpsOf("wsk-tfo"), CpsOf("c-tfo"));
        double? cpuVsC = Ratio(CpuOf("wsk-tfo"), CpuOf("c-tfo"));
        double? p2ElVsC = Ratio(CpsOf("wsk-tfo-el"), CpsOf("c-tfo"));
        double? cpuElVsC = Ratio(CpuOf("wsk-tfo-el"), CpuOf("c-tfo"));
        double? p2AwaitVsC = Ratio(CpsOf("wsk-tfo-await"), CpsOf("c-tfo"));
        double? cpuAwaitVsC = Ratio(CpuOf("wsk-tfo-await"), CpuOf("c-tfo"));
        double? p5VsDotnet = Ratio(BulkOf("wsk"), BulkOf("dotnet"));
        double? p1WskcVsC = Ratio(P1Of("wsk-c"), P1Of("c-tfo"));
        double? p2WskcVsC = Ratio(CpsOf("wsk-c"), CpsOf("c-tfo"));
        double? cpuWskcVsC = Ratio(CpuOf("wsk-c"), CpuOf("c-tfo"));
        List<PeerRun> wskcP2 = [.. P2.Where(r => r.Peer == "wsk-c" && r.Succeeded > 0 && r.ManagedBytes is not null)];
        double? wskcManaged = wskcP2.Count == 0 ? null : Stats.Median(wskcP2.Select(r => (double)r.ManagedBytes!.Value / r.Succeeded));
        long? wskcVerifier = P1.Concat(P2).Where(r => r.Peer == "wsk-c").Select(r => r.VerifierProblems).Aggregate((long?)null, (a, b) => b is null ? a : (a ?? 0) + b);

        // Two loops against one, paired within each round (the two ran back to back): the NaN of no pair is "NA".
        double loops2VsLoops1 = Paired(P2, "wsk-tfo-loops2", "wsk-tfo-loops1", x => x.ConnectionsPerSecond);
        double? p2Loops2VsLoops1 = double.IsNaN(loops2VsLoops1) ? null : loops2VsLoops1;
        double cpuLoops = Paired(P2, "wsk-tfo-loops2", "wsk-tfo-loops1", x => x.CpuUsPerConnection);
        double? cpuLoops2VsLoops1 = double.IsNaN(cpuLoops) ? null : cpuLoops;
        AllocFigure? bdnCycle = P3?.BenchmarkDotNet.FirstOrDefault(f => f.Name.Contains("WskConnectEx", StringComparison.Ordinal));
        AllocFigure? bdnSendRecv = P3?.BenchmarkDotNet.FirstOrDefault(f => f.Name.Contains("WskSend", StringComparison.Ordinal));
        AllocFigure? directCycle = P3?.Direct.FirstOrDefault(f => f.Name.StartsWith("wsk: connect cycle", StringComparison.Ordinal));
        AllocFigure? directSendRecv = P3?.Direct.FirstOrDefault(f => f.Name.StartsWith("wsk: WskSend", StringComparison.Ordinal));
        AllocFigure? directConnectEx = P3?.Direct.FirstOrDefault(f => f.Name.StartsWith("wsk: WskConnectEx alone", StringComparison.Ordinal));
        double? allocCycle = Valid(bdnCycle?.BytesPerOp) ?? directCycle?.BytesPerOp;
        double? allocSendRecv = Valid(bdnSendRecv?.BytesPerOp) ?? directSendRecv?.BytesPerOp;

        PeerRun? blackholeOurs = Blackhole.FirstOrDefault(r => r.Peer == "wsk-tfo" && r.Failed == 0 && r.TtfbUs.Length > 0);
        PeerRun? blackholeDotnet = Blackhole.FirstOrDefault(r => r.Peer == "dotnet-saea-fo" && r.Failed == 0 && r.TtfbUs.Length > 0);
        double? blackholeVsDotnet = blackholeOurs is null || blackholeDotnet is null ? null : blackholeOurs.TtfbUs.Sum() / blackholeDotnet.TtfbUs.Sum();
        PeerRun? procOurs = BlackholeProcesses.FirstOrDefault(r => r.Peer == "wsk-tfo" && r.Failed == 0 && r.TtfbUs.Length > 0);
        PeerRun? procDotnet = BlackholeProcesses.FirstOrDefault(r => r.Peer == "dotnet-saea-fo" && r.Failed == 0 && r.TtfbUs.Length > 0);
        double? procVsDotnet = procOurs is null || procDotnet is null ? null : procOurs.TtfbUs.Sum() / procDotnet.TtfbUs.Sum();
        P4Result? p4 = P4.FirstOrDefault(r => r.Peer == "wsk");
        P4Result? p4Dotnet = P4.FirstOrDefault(r => r.Peer == "dotnet");
        int p4Target = plan.P4Count;
        var goals = new List<Goal>
        {
            new("P1 TTFB p50, ours (WskConnectEx+TFO) / .NET ConnectAsync+SendAsync", p1VsDotnet, "≤ 0.55", Le(p1VsDotnet, 0.55), Margin(p1VsDotnet, 0.55, lowerIsBetter: true)),
            new("P1 TTFB p50, ours / C sendto(MSG_FASTOPEN)", p1VsC, "≤ 1.05", Le(p1VsC, 1.05), Margin(p1VsC, 1.05, lowerIsBetter: true)),
            new("P2 connections/s, ours (TFO) / .NET ConnectAsync+SendAsync", p2VsDotnet, "≥ 1.0", Ge(p2VsDotnet, 1.0), Margin(p2VsDotnet, 1.0, lowerIsBetter: false)),
            new("P2 connections/s, ours (TFO, default options) / C tfo", p2VsC, "≥ 0.90", Ge(p2VsC, 0.90), Margin(p2VsC, 0.90, lowerIsBetter: false)),
            new("P2 client CPU per connection, ours (TFO, default options) / C tfo", cpuVsC, "≤ 1.20", Le(cpuVsC, 1.20), Margin(cpuVsC, 1.20, lowerIsBetter: true)),
            new("P2 connections/s, ours (TFO, CompleteOnEventLoop) / C tfo", p2ElVsC, "≥ 0.75", Ge(p2ElVsC, 0.75), Margin(p2ElVsC, 0.75, lowerIsBetter: false)),
            new("P2 client CPU per connection, ours (TFO, CompleteOnEventLoop) / C tfo", cpuElVsC, "≤ 1.25", Le(cpuElVsC, 1.25), Margin(cpuElVsC, 1.25, lowerIsBetter: true)),
            new("P1 TTFB p50, wsk-c (WSK driver code in C over the native face) / C sendto(MSG_FASTOPEN)", p1WskcVsC, "≤ 1.02", Le(p1WskcVsC, 1.02), Margin(p1WskcVsC, 1.02, lowerIsBetter: true)),
            new("P2 client CPU per connection, wsk-c / C tfo", cpuWskcVsC, "≤ 1.30", Le(cpuWskcVsC, 1.30), Margin(cpuWskcVsC, 1.30, lowerIsBetter: true)),
            new("P2 connections/s, wsk-c / C tfo", p2WskcVsC, "(no target)", null, "ours (wsk-tfo) / C tfo is the goal above"),
            new("P2 wsk-c managed bytes per connection (WskSocket+TCP_FASTOPEN+WskBind+WskConnectEx+WskReceive+WskCloseSocket; the C face's counter)", wskcManaged, "(no target; the steady-state send/receive target is native/tests/wsk steady_state_no_managed_allocation)", null,
                wskcVerifier is null ? "" : string.Create(Inv, $"verifier problems at the end of the wsk-c runs: {wskcVerifier}")),
            new("P3 WskSend+WskReceive steady state, B/op", allocSendRecv, "0", allocSendRecv is { } s ? s < 1 : null, bdnSendRecv is null ? "direct measurement" : "BenchmarkDotNet MemoryDiagnoser"),
            new("P3 connect cycle (WskSocket+WskBind+WskConnectEx+WskCloseSocket, + receive), B/op", allocCycle, "≤ 512", Le(allocCycle, 512), Margin(allocCycle, 512, lowerIsBetter: true)),
            new("P5 bulk throughput, ours WskSend / .NET SendAsync", p5VsDotnet, "≥ 0.95", Ge(p5VsDotnet, 0.95), Margin(p5VsDotnet, 0.95, lowerIsBetter: false)),
            new("Blackholed SYN data: 20 sequential connects, total time, ours (adaptive) / .NET SAEA+FastOpen", blackholeVsDotnet, "≤ 0.10", Le(blackholeVsDotnet, 0.10),
                blackholeOurs is null || blackholeDotnet is null ? "not measured" : string.Create(Inv, $"{blackholeOurs.TtfbUs.Sum() / 1000:F0} ms vs {blackholeDotnet.TtfbUs.Sum() / 1000:F0} ms")),
            new("Blackholed SYN data: 20 processes of one connect each, total time, ours (memory file) / .NET SAEA+FastOpen", procVsDotnet, "≤ 0.10", Le(procVsDotnet, 0.10),
                procOurs is null || procDotnet is null ? "not measured" : string.Create(Inv, $"{procOurs.TtfbUs.Sum() / 1000:F0} ms vs {procDotnet.TtfbUs.Sum() / 1000:F0} ms")),
        };
        if (p4 is not null)
        {
            goals.Add(new($"P4 connections held at once in one process (WskConnectEx + echo), ours", p4.Held, string.Create(Inv, $"≥ {p4Target:N0}"), p4.Held >= p4Target,
                p4.Held >= p4Target ? "" : string.Create(Inv, $"{p4.Count:N0} attempted: the process's RLIMIT_NOFILE is {Meta.GetValueOrDefault("p4_nofile_limit")} (see the notes)")));
            goals.Add(new("P4 failures (open + close), ours", p4.OpenFailed + p4.CloseFailed, "0", p4.OpenFailed + p4.CloseFailed == 0, string.Join("; ", p4.Errors.Select(kv => $"{kv.Key} ×{kv.Value}"))));
            goals.Add(new("P4 managed memory per idle connection (GC.GetTotalMemory(true), held − before), ours, bytes", p4.ManagedBytesPerConnection, "≤ 1024",
                Le(p4.ManagedBytesPerConnection, 1024), string.Create(Inv, $".NET {F(p4Dotnet?.ManagedBytesPerConnection, "F0")}; RSS ours {p4.RssBytesPerConnection:F0}, .NET {F(p4Dotnet?.RssBytesPerConnection, "F0")}")));
            goals.Add(new("P4 descriptors after close − before, ours", p4.FdsAfter - p4.FdsBefore, "0", p4.FdsAfter == p4.FdsBefore,
                string.Create(Inv, $"{p4.FdsBefore} / {p4.FdsHeld} / {p4.FdsAfter} (sockets {p4.SocketsBefore} / {p4.SocketsHeld} / {p4.SocketsAfter}) {p4.Note}")));
        }

        foreach ((string peer, bool tfo) in new[] { ("wsk-tfo", true), ("c-tfo", true), ("dotnet-saea-fo", true), ("wsk", false), ("c-connect", false), ("dotnet", false), ("dotnet-fo", false), ("wsk-c", true) })
        {
            if (p1.FirstOrDefault(r => r.Peer == peer) is { } row && row.N > 0)
            {
                bool ok = tfo ? row.Acked == row.Checked && row.Checked == row.N : row.Acked == 0;
                string how = peer.StartsWith("wsk", StringComparison.Ordinal) ? "WskSharp Fast Open report" : "TCP_INFO TCPI_OPT_SYN_DATA";
                goals.Add(new($"P1 {peer}: SYN data acknowledged", row.Acked, tfo ? $"= {row.N} (every connection)" : "0", ok,
                    row.Checked == 0 ? "not requested, so not reported" : $"{row.Acked}/{row.Checked} checked ({how})"));
            }
        }

        var ratios = new StringBuilder();
        ratios.Append(Inv, $"p1_vs_dotnet={F(p1VsDotnet)} p1_vs_c_tfo={F(p1VsC)} p2_vs_dotnet={F(p2VsDotnet)} p2_vs_c={F(p2VsC)} p5_vs_dotnet={F(p5VsDotnet)}");
        ratios.Append(Inv, $" cpu_vs_c={F(cpuVsC)} alloc_connectex_bytes={F(allocCycle, "F0")} alloc_sendrecv_bytes={F(allocSendRecv, "F0")}");
        ratios.Append(Inv, $" blackhole_vs_dotnet={F(blackholeVsDotnet)} p2_el_vs_c={F(p2ElVsC)} cpu_el_vs_c={F(cpuElVsC)}");
        ratios.Append(Inv, $" blackhole_proc_vs_dotnet={F(procVsDotnet)} p2_await_vs_c={F(p2AwaitVsC)} cpu_await_vs_c={F(cpuAwaitVsC)}");
        ratios.Append(Inv, $" p1_wskc_vs_c_tfo={F(p1WskcVsC)} p2_wskc_vs_c={F(p2WskcVsC)} cpu_wskc_vs_c={F(cpuWskcVsC)}");
        ratios.Append(Inv, $" p2_loops2_vs_loops1={F(p2Loops2VsLoops1)} cpu_loops2_vs_loops1={F(cpuLoops2VsLoops1)}");
        ratios.Append(Inv, $" p4_concurrent={p4?.Held.ToString(Inv) ?? "NA"} p4_failed={(p4 is null ? "NA" : (p4.OpenFailed + p4.CloseFailed).ToString(Inv))} p4_bytes_per_conn={F(p4?.ManagedBytesPerConnection, "F0")} p4_rss_bytes_per_conn={F(p4?.RssBytesPerConnection, "F0")}");
        ratios.Append(Inv, $" p4_fds_before_held_after={(p4 is null ? "NA" : $"{p4.FdsBefore}/{p4.FdsHeld}/{p4.FdsAfter}")}");
        ratios.Append(Inv, $" p4_dotnet_concurrent={p4Dotnet?.Held.ToString(Inv) ?? "NA"} p4_dotnet_failed={(p4Dotnet is null ? "NA" : (p4Dotnet.OpenFailed + p4Dotnet.CloseFailed).ToString(Inv))} p4_dotnet_bytes_per_conn={F(p4Dotnet?.ManagedBytesPerConnection, "F0")} p4_dotnet_rss_bytes_per_conn={F(p4Dotnet?.RssBytesPerConnection, "F0")}");
        string line = ratios.ToString();

        Meta["mode"] = plan.Mode;
        Meta["finished_utc"] = DateTime.UtcNow.ToString("u", Inv);
        Meta["kernel"] = ReadFirstLine("/proc/sys/kernel/osrelease");
        Meta["cpus"] = Environment.ProcessorCount;
        Meta["dotnet"] = Environment.Version.ToString();
        Meta["lab"] = ctx.Lab;
        Meta["plan"] = plan with { };

        string chart = Path.Combine(dir, "latest-p1-ttfb.png");
        string? chartError = p1.Count > 0 ? Chart.P1(P1, Orchestrator.P1Peers, chart) : "no P1 data";
        if (chartError is not null)
        {
            Notes.Add($"P1 chart not drawn: {chartError}");
        }

        var json = new
        {
            ratios = line,
            meta = Meta,
            goals,
            p1 = new { peers = p1, runs = P1 },
            p2 = new { peers = p2, runs = P2 },
            p3 = P3,
            p5 = new { peers = p5, runs = P5 },
            p2_churn = Churn,
            blackhole = Blackhole,
            blackholeProcesses = BlackholeProcesses,
            p4 = P4,
            profile_syscalls_per_connection = Profile,
            notes = Notes,
        };
        File.WriteAllText(Path.Combine(dir, "latest.json"), JsonSerializer.Serialize(json, Json.Options));
        File.WriteAllText(Path.Combine(dir, "latest.md"), Markdown(p1, p2, p5, goals, line));
        return line;
    }

    private static bool? Le(double? v, double target) => v is { } x ? x <= target : null;

    private static bool? Ge(double? v, double target) => v is { } x ? x >= target : null;

    private static double? Valid(double? v) => v is { } x && !double.IsNaN(x) ? x : null;

    private static string F(double? v, string format = "F3") => v is { } x ? x.ToString(format, Inv) : "NA";

    private static string Margin(double? value, double target, bool lowerIsBetter)
    {
        if (value is not { } v)
        {
            return "not measured";
        }

        double pct = (v - target) / target * 100;
        bool met = lowerIsBetter ? v <= target : v >= target;
        return met
            ? string.Create(Inv, $"met with {Math.Abs(pct):F1}% to spare")
            : string.Create(Inv, $"missed by {Math.Abs(pct):F1}%");
    }

    private LatencyRow Latency(string peer)
    {
        List<PeerRun> runs = [.. P1.Where(r => r.Peer == peer)];
        double[] s = [.. runs.SelectMany(r => r.TtfbUs)];
        return new LatencyRow(peer, s.Length, runs.Sum(r => r.Failed + r.WarmupFailed), Stats.Percentile(s, 10) / 1000, Stats.Percentile(s, 50) / 1000, Stats.Percentile(s, 90) / 1000,
            Stats.Percentile(s, 99) / 1000, s.Length > 0 ? s.Average() / 1000 : double.NaN, s.Length > 0 ? s.Min() / 1000 : double.NaN,
            s.Length > 0 ? s.Max() / 1000 : double.NaN, runs.Sum(r => r.SynDataAcked), runs.Sum(r => r.TfoChecked), runs.Sum(r => r.WarmupSynDataAcked),
            Merge(runs.Select(r => r.Errors)), Merge(runs.Select(r => r.FastOpenFailReasons)));
    }

    private RateRow Rate(string peer)
    {
        List<PeerRun> runs = [.. P2.Where(r => r.Peer == peer)];
        List<PeerRun> good = [.. runs.Where(r => r.Succeeded > 0)];
        return new RateRow(peer, runs.Count, runs.Sum(r => r.Succeeded), runs.Sum(r => r.Failed + r.WarmupFailed),
            Stats.Median(good.Select(r => r.ConnectionsPerSecond)), good.Count > 0 ? good.Min(r => r.ConnectionsPerSecond) : double.NaN,
            good.Count > 0 ? good.Max(r => r.ConnectionsPerSecond) : double.NaN, Stats.Median(good.Select(r => r.CpuUsPerConnection)),
            good.Count > 0 ? good.Min(r => r.CpuUsPerConnection) : double.NaN, good.Count > 0 ? good.Max(r => r.CpuUsPerConnection) : double.NaN,
            Stats.Median(good.Select(r => r.CpuUserSeconds * 1e6 / r.Succeeded)), Stats.Median(good.Select(r => r.CpuSysSeconds * 1e6 / r.Succeeded)),
            runs.Sum(r => r.SynDataAcked), runs.Sum(r => r.TfoChecked), Merge(runs.Select(r => r.Errors)),
            Stats.Median(good.Select(r => r.JitMsDuringMeasure)), Stats.Median(good.Select(r => (double)r.Gen0DuringMeasure)),
            Stats.Median(good.Select(r => (double)r.WarmupBursts)));
    }

    /// <summary>Median over rounds of ours/peer computed within each round (both measured minutes apart at most).</summary>
    private static double Paired(List<PeerRun> runs, string ours, string peer, Func<PeerRun, double> metric)
    {
        var ratios = new List<double>();
        foreach (int round in runs.Select(r => r.Round).Distinct())
        {
            PeerRun? a = runs.FirstOrDefault(r => r.Round == round && r.Peer == ours && r.Succeeded > 0);
            PeerRun? b = runs.FirstOrDefault(r => r.Round == round && r.Peer == peer && r.Succeeded > 0);
            if (a is not null && b is not null && metric(b) > 0)
            {
                ratios.Add(metric(a) / metric(b));
            }
        }

        return Stats.Median(ratios);
    }

    private BulkRow Bulk(string peer)
    {
        List<PeerRun> runs = [.. P5.Where(r => r.Peer == peer)];
        List<PeerRun> good = [.. runs.Where(r => r.Succeeded > 0)];
        const double MiB = 1 << 20;
        return new BulkRow(peer, runs.Count, runs.Sum(r => r.Failed), Stats.Median(good.Select(r => r.BytesPerSecond / MiB)),
            good.Count > 0 ? good.Min(r => r.BytesPerSecond / MiB) : double.NaN, good.Count > 0 ? good.Max(r => r.BytesPerSecond / MiB) : double.NaN,
            Stats.Median(good.Select(r => r.CpuUserSeconds + r.CpuSysSeconds)), good.Count > 0 ? good[0].Bytes : 0, Merge(runs.Select(r => r.Errors)));
    }

    private static Dictionary<string, long> Merge(IEnumerable<Dictionary<string, long>> all)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Dictionary<string, long> one in all)
        {
            foreach (KeyValuePair<string, long> kv in one)
            {
                d[kv.Key] = d.GetValueOrDefault(kv.Key) + kv.Value;
            }
        }

        return d;
    }

    private static string ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault() ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static readonly Dictionary<string, string> Describe = new(StringComparer.Ordinal)
    {
        ["wsk-tfo"] = "**ours**, as a driver writes it: WskSocket, TCP_FASTOPEN, WskBind, WskConnectEx(64 B), WskReceive, WskCloseSocket, each issued from the IRP's completion routine (default options: routines on the event loop)",
        ["wsk-tfo-await"] = "ours, the same calls awaited (`await irp`, default options: the awaiting code resumes on the thread pool)",
        ["wsk-tfo-loops1"] = "ours, wsk-tfo on a registration with `WskProviderOptions.EventLoopCount = 1` (P2 loops phase)",
        ["wsk-tfo-loops2"] = "ours, wsk-tfo with `EventLoopCount = 2`: sockets round robin over two event loops (P2 loops phase)",
        ["wsk-tfo-el"] = "ours, as wsk-tfo-await, with `WskProviderOptions.CompleteOnEventLoop` (awaiting code resumes on the event loop, no thread-pool hop)",
        ["wsk"] = "ours without TCP_FASTOPEN (WskConnectEx sends the buffer after the handshake)",
        ["c-tfo"] = "C `sendto(MSG_FASTOPEN)`",
        ["c-connect"] = "C `connect` + `send`",
        ["dotnet"] = ".NET `ConnectAsync` + `SendAsync` (what most code does)",
        ["dotnet-fo"] = ".NET `SocketOptionName.FastOpen` + `ConnectAsync` + `SendAsync`",
        ["dotnet-saea-fo"] = ".NET FastOpen + `ConnectAsync(SocketAsyncEventArgs)` with the buffer (its best Fast Open shape)",
        ["wsk-c"] = "WSK driver code in C (`ntddk.h`, `wsk.h`; bench/native/wsk_client.c) over the native face: the wsk-tfo calls, each issued from the previous call's completion routine",
    };

    private string Markdown(List<LatencyRow> p1, List<RateRow> p2, List<BulkRow> p5, List<Goal> goals, string line)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv, $"# WskSharp benchmarks ({plan.Mode} mode)");
        md.AppendLine();
        md.AppendLine(Inv, $"Finished {Meta["finished_utc"]}; Linux {Meta["kernel"]}, {Meta["cpus"]} CPUs, .NET {Meta["dotnet"]}; run took {Meta.GetValueOrDefault("seconds")} s.");
        md.AppendLine(Inv, $"Load average at start / end: `{Meta.GetValueOrDefault("load_average_start")}` / `{Meta.GetValueOrDefault("load_average_end")}`.");
        if (Meta.GetValueOrDefault("load_average_start") is string load && double.TryParse(load.Split(' ')[0], NumberStyles.Float, Inv, out double l1)
            && l1 > 0.75 * Environment.ProcessorCount)
        {
            md.AppendLine(Inv, $"**The machine was busy when this run started (1-minute load {l1:F2} on {Environment.ProcessorCount} CPUs): absolute figures are noisy; the ratios, measured side by side in rotating rounds, are the figures to read.**");
        }

        md.AppendLine(Inv, $"WskSharp peers bind to {Meta.GetValueOrDefault("wsk_bind_address")} before WskConnectEx.");
        md.AppendLine("Every figure is a ratio against a peer measured in this same run; peers run as separate client processes, in rounds whose order rotates.");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(line);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("## Goals");
        md.AppendLine();
        md.AppendLine("| goal | value | target | met | detail |");
        md.AppendLine("| --- | ---: | --- | --- | --- |");
        foreach (Goal g in goals)
        {
            md.AppendLine(Inv, $"| {g.Name} | {F(g.Value)} | {g.Target} | {(g.Met is null ? "n/a" : g.Met.Value ? "yes" : "**NO**")} | {g.Detail} |");
        }

        if (p1.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"## P1: time to first response byte over the lab (RTT {F(Meta.GetValueOrDefault("p1_rtt_ms") as double?, "F2")} ms by ping), warm cookie, 64 B request, 64 B echo");
            md.AppendLine();
            md.AppendLine(Inv, $"{Meta.GetValueOrDefault("p1_server")}. {plan.P1Rounds} rounds × {plan.P1PerRound} sequential connections per peer, 3 unmeasured warm-up connections per round (cookie). TTFB: from before socket() to the return of the receive that delivers the first reply byte. Chart: `latest-p1-ttfb.png`. Other load on the machine only ever adds delay, so p10 is the least disturbed view of each peer's own cost.");
            md.AppendLine();
            md.AppendLine("| peer | n | failed | p10 ms | p50 ms | p90 ms | p99 ms | mean ms | min ms | max ms | SYN data acked | ours p50 / peer p50 | same, per round (median) | ours p10 / peer p10 |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            double ours = p1.FirstOrDefault(r => r.Peer == "wsk-tfo")?.P50 ?? double.NaN;
            double ours10 = p1.FirstOrDefault(r => r.Peer == "wsk-tfo")?.P10 ?? double.NaN;
            foreach (LatencyRow r in p1)
            {
                md.AppendLine(Inv, $"| {r.Peer}: {Describe.GetValueOrDefault(r.Peer)} | {r.N} | {r.Failed} | {r.P10:F2} | {r.P50:F2} | {r.P90:F2} | {r.P99:F2} | {r.Mean:F2} | {r.Min:F2} | {r.Max:F2} | {(r.Checked == 0 ? "not reported" : $"{r.Acked}/{r.Checked}")} | {ours / r.P50:F3} | {Paired(P1, "wsk-tfo", r.Peer, x => Stats.Percentile(x.TtfbUs, 50)):F3} | {ours10 / r.P10:F3} |");
            }

            AppendErrors(md, p1.Select(r => (r.Peer, r.Errors)));
            foreach (LatencyRow r in p1.Where(r => r.FailReasons.Count > 0))
            {
                md.AppendLine(Inv, $"- {r.Peer} Fast Open report, SYN data not acknowledged: {string.Join(", ", r.FailReasons.Select(kv => $"{kv.Key} ×{kv.Value}"))}");
            }
        }

        if (p2.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## P2: connection rate on loopback (connect + 64 B request + 64 B echo + close)");
            md.AppendLine();
            md.AppendLine(Inv, $"{plan.P2Rounds} rounds × {plan.P2Count} measured connections per peer, {plan.P2Concurrency} in flight; each run in a fresh network namespace with its own echo_server (`--fastopen 4096`). .NET and WskSharp workers first run {plan.P2Warmup} unmeasured connections, then bursts of {plan.P2Warmup / 4} until tiered compilation has settled (at most 8, so that a run stays under ~12,000 connections: see P2 churn); \"JIT ms in measure\" is what compilation still cost inside the measured phase. Client CPU: getrusage of the client process over the measured phase (user + sys). Medians over rounds (min–max).");
            md.AppendLine();
            md.AppendLine("| peer | ok | failed | conn/s (median) | conn/s min–max | CPU µs/conn (median) | CPU min–max | user / sys µs | JIT ms in measure | SYN data acked | ours conn/s / peer | same, per round | ours CPU / peer | same, per round |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            RateRow? ours = p2.FirstOrDefault(r => r.Peer == "wsk-tfo");
            foreach (RateRow r in p2)
            {
                md.AppendLine(Inv, $"| {r.Peer} | {r.Ok} | {r.Failed} | {r.Cps:F0} | {r.CpsMin:F0}–{r.CpsMax:F0} | {r.CpuUs:F1} | {r.CpuUsMin:F1}–{r.CpuUsMax:F1} | {r.UserUs:F1} / {r.SysUs:F1} | {(r.Peer.StartsWith("c-", StringComparison.Ordinal) || r.Peer == "wsk-c" ? "—" : r.JitMs.ToString("F1", Inv))} | {(r.Checked == 0 ? "not reported" : $"{r.Acked}/{r.Checked}")} | {(ours?.Cps ?? double.NaN) / r.Cps:F3} | {Paired(P2, "wsk-tfo", r.Peer, x => x.ConnectionsPerSecond):F3} | {(ours?.CpuUs ?? double.NaN) / r.CpuUs:F3} | {Paired(P2, "wsk-tfo", r.Peer, x => x.CpuUsPerConnection):F3} |");
            }

            AppendErrors(md, p2.Select(r => (r.Peer, r.Errors)));
            RateRow? plain = p2.FirstOrDefault(r => r.Peer == "wsk");
            RateRow? dn = p2.FirstOrDefault(r => r.Peer == "dotnet");
            RateRow? cc = p2.FirstOrDefault(r => r.Peer == "c-connect");
            if (plain is not null && dn is not null && cc is not null)
            {
                md.AppendLine();
                md.AppendLine(Inv, $"Like for like without Fast Open: ours (wsk) / .NET = {plain.Cps / dn.Cps:F3} conn/s, ours / C connect = {plain.Cps / cc.Cps:F3} conn/s, CPU ours / C connect = {plain.CpuUs / cc.CpuUs:F3}.");
            }
        }

        if (Churn.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"## P2 churn: {plan.ChurnRuns} runs of {plan.ChurnCount} connections back to back in ONE namespace per peer (loopback, {plan.P2Concurrency} in flight)");
            md.AppendLine();
            md.AppendLine("The client closes first, so every connection leaves a TIME_WAIT socket on the client for 60 s; later runs meet the earlier runs' TIME_WAIT sockets, as a busy client does. The ephemeral range here is 32768–60999 (28,232 ports). No warm-up beyond 2 connections: a managed peer's first run includes its JIT.");
            md.AppendLine();
            string[] peersC = [.. Churn.Select(r => r.Peer).Distinct()];
            md.AppendLine(Inv, $"| run (connections before it) | {string.Join(" | ", peersC.Select(p => $"{p} conn/s | {p} CPU µs/conn | {p} failed"))} |");
            md.AppendLine(Inv, $"| --- | {string.Join(" | ", peersC.Select(_ => "---: | ---: | ---:"))} |");
            foreach (int run in Churn.Select(r => r.Round).Distinct().Order())
            {
                var cells = peersC.Select(p => Churn.FirstOrDefault(r => r.Peer == p && r.Round == run) is { } r
                    ? $"{r.ConnectionsPerSecond:F0} | {r.CpuUsPerConnection:F1} | {r.Failed}"
                    : " | | ");
                md.AppendLine(Inv, $"| {run} ({(run - 1) * plan.ChurnCount}) | {string.Join(" | ", cells)} |");
            }

            AppendErrors(md, peersC.Select(p => (p, Merge(Churn.Where(r => r.Peer == p).Select(r => r.Errors)))));
        }

        if (P3 is not null)
        {
            md.AppendLine();
            md.AppendLine("## P3: allocation per operation (loopback)");
            md.AppendLine();
            md.AppendLine("Direct: `GC.GetTotalAllocatedBytes(precise: true)` (all threads) over N operations driven by one pooled async loop. BenchmarkDotNet 0.15.8, MemoryDiagnoser, in-process toolchain (`latest-p3-benchmarkdotnet.md`).");
            md.AppendLine();
            md.AppendLine("| operation | B/op | mean | ops | source |");
            md.AppendLine("| --- | ---: | ---: | ---: | --- |");
            foreach (AllocFigure f in P3.BenchmarkDotNet)
            {
                md.AppendLine(Inv, $"| {f.Name} | {f.BytesPerOp:F1} | {(f.MeanNs is { } ns ? $"{ns / 1000:F1} µs" : "")} | {f.Operations} | BenchmarkDotNet |");
            }

            foreach (AllocFigure f in P3.Direct)
            {
                md.AppendLine(Inv, $"| {f.Name} | {f.BytesPerOp:F1} | {(f.MeanNs is { } ns ? $"{ns / 1000:F1} µs" : "")} | {f.Operations} | direct{(f.Failed > 0 ? $", {f.Failed} failed" : "")} |");
            }

            if (P3.BenchmarkDotNetError is { } err)
            {
                md.AppendLine();
                md.AppendLine(Inv, $"BenchmarkDotNet failed: `{err.Split('\n')[0]}`");
            }
        }

        if (p5.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"## P5: bulk throughput on loopback ({plan.P5Bytes / (double)(1 << 20):F0} MiB per transfer{(plan.P5Bytes < (1L << 30) ? " — quick mode, not the full 1 GiB" : "")}, {plan.P5Chunk / 1024} KiB chunks)");
            md.AppendLine();
            md.AppendLine(Inv, $"Sink: `sink_server` (C). Timed from the first chunk to the sink's 1-byte acknowledgement of the last byte; each send awaited before the next, for both peers. {plan.P5Rounds} rounds.");
            md.AppendLine();
            md.AppendLine("| peer | rounds | failed | MiB/s (median) | min–max | client CPU s (median) | ours / peer | same, per round |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            double ours = p5.FirstOrDefault(r => r.Peer == "wsk")?.MiBps ?? double.NaN;
            foreach (BulkRow r in p5)
            {
                string name = r.Peer == "wsk" ? "wsk: WskSend" : "dotnet: Socket.SendAsync";
                md.AppendLine(Inv, $"| {name} | {r.Rounds} | {r.Failed} | {r.MiBps:F0} | {r.MiBpsMin:F0}–{r.MiBpsMax:F0} | {r.CpuSeconds:F3} | {ours / r.MiBps:F3} | {Paired(P5, "wsk", r.Peer, x => x.BytesPerSecond):F3} |");
            }

            AppendErrors(md, p5.Select(r => (r.Peer, r.Errors)));
        }

        if (P4.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"## P4: connections held at once in one process ({Meta.GetValueOrDefault("p4_count")} of the {plan.P4Count:N0} aimed at; RLIMIT_NOFILE {Meta.GetValueOrDefault("p4_nofile_limit")})");
            md.AppendLine();
            md.AppendLine(Inv, $"{Meta.GetValueOrDefault("p4_server")}. Memory: `GC.GetTotalMemory(true)` after two forced compacting full collections, with all connections held minus before the first was opened (after a warm-up of the same path, and after allocating the bench's own array of references), divided by the connections held; the GC heap size after a full blocking collection and the process RSS likewise. Descriptors from /proc/self/fd.");
            md.AppendLine();
            md.AppendLine("| peer | held | open failed | close failed | open s | close s | open CPU s | managed B/conn | GC heap B/conn | RSS B/conn | fds before / held / after | sockets before / held / after |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
            foreach (P4Result r in P4)
            {
                md.AppendLine(Inv, $"| {r.Peer} | {r.Held} | {r.OpenFailed} | {r.CloseFailed} | {r.OpenSeconds:F1} | {r.CloseSeconds:F1} | {r.OpenCpuSeconds:F1} | {r.ManagedBytesPerConnection:F0} | {r.HeapBytesPerConnection:F0} | {r.RssBytesPerConnection:F0} | {r.FdsBefore} / {r.FdsHeld} / {r.FdsAfter} | {r.SocketsBefore} / {r.SocketsHeld} / {r.SocketsAfter} |");
            }

            foreach (P4Result r in P4.Where(r => r.Errors.Count > 0 || r.Note is not null))
            {
                md.AppendLine(Inv, $"- {r.Peer}: {string.Join(", ", r.Errors.Select(kv => $"{kv.Key} ×{kv.Value}"))} {r.Note}");
            }
        }

        if (Profile.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(Inv, $"## Profile: syscalls per connection (`strace -f -c`, P2 shape on loopback, {plan.P2Concurrency} in flight; calls at {3 * plan.ProfileCount} minus calls at {plan.ProfileCount} connections, divided by {2 * plan.ProfileCount}: start-up and JIT cancel out)");
            md.AppendLine();
            string[] peers = [.. Profile.Keys];
            string[] calls = [.. Profile.Values.SelectMany(d => d.Keys).Distinct().OrderByDescending(k => Profile.Values.Max(d => d.GetValueOrDefault(k)))];
            md.AppendLine(Inv, $"| syscall | {string.Join(" | ", peers)} |");
            md.AppendLine(Inv, $"| --- | {string.Join(" | ", peers.Select(_ => "---:"))} |");
            md.AppendLine(Inv, $"| **total** | {string.Join(" | ", peers.Select(p => Profile[p].Values.Sum().ToString("F1", Inv)))} |");
            foreach (string c in calls.Where(c => Profile.Values.Any(d => d.GetValueOrDefault(c) >= 0.05)))
            {
                md.AppendLine(Inv, $"| {c} | {string.Join(" | ", peers.Select(p => Profile[p].GetValueOrDefault(c).ToString("F2", Inv)))} |");
            }
        }

        if (Notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (string n in Notes)
            {
                md.AppendLine(Inv, $"- {n}");
            }
        }

        return md.ToString();
    }

    private static void AppendErrors(StringBuilder md, IEnumerable<(string Peer, Dictionary<string, long> Errors)> rows)
    {
        foreach ((string peer, Dictionary<string, long> errors) in rows.Where(r => r.Errors.Count > 0))
        {
            md.AppendLine(Inv, $"- {peer} failures: {string.Join(", ", errors.Select(kv => $"{kv.Key} ×{kv.Value}"))}");
        }
    }
}
