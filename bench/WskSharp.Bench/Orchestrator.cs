using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WskSharp.FastOpen;

namespace WskSharp.Bench;

/// <summary>How much of everything a mode runs.</summary>
internal sealed record Plan(
    string Mode,
    int P1Rounds,
    int P1PerRound,
    int P2Rounds,
    int P2Count,
    int P2Concurrency,
    int P2Warmup,
    int P5Rounds,
    long P5Bytes,
    int P5Chunk,
    int ProfileCount,
    int ChurnRuns,
    int ChurnCount,
    int P4Count,
    int P4Concurrency,
    TimeSpan Budget)
{
    public static Plan Quick { get; } = new("quick", 3, 30, 4, 5000, 16, 1000, 4, 512L << 20, 64 * 1024, 1000, 3, 5000, 100_000, 512, TimeSpan.FromSeconds(300));

    public static Plan Full { get; } = new("full", 5, 200, 9, 6000, 16, 1500, 7, 1L << 30, 64 * 1024, 2000, 5, 5000, 100_000, 512, TimeSpan.FromSeconds(1800));
}

/// <summary>
/// <c>WskSharp.Bench run</c>: every phase, every peer, in one run; each peer is a separate client process (the
/// native C client, or this program's own worker for WskSharp and .NET) run in a network namespace, and rounds
/// rotate the peers' order so that drift and background load fall on all of them alike.
/// </summary>
internal static class Orchestrator
{
    public const string ServerAddress = "198.18.0.2";

    /// <summary>The lab address whose SYNs carrying data the delay line drops (bench/run brings the lab up so).</summary>
    public const string BlackholeAddress = "198.18.0.3";

    /// <summary>Peers of the blackhole phase: ours (adaptive Fast Open, the default) and .NET's best Fast Open shape.</summary>
    public static readonly string[] BlackholePeers = ["wsk-tfo", "dotnet-saea-fo"];
    public const string ClientAddress = "198.18.0.1";

    public static readonly string[] P1Peers = ["wsk-tfo", "c-tfo", "dotnet-saea-fo", "wsk", "c-connect", "dotnet", "dotnet-fo", "wsk-c"];
    public static readonly string[] P2Peers = ["wsk-tfo", "c-tfo", "dotnet-saea-fo", "wsk", "c-connect", "dotnet", "wsk-tfo-await", "wsk-tfo-el", "wsk-c"];

    /// <summary>Peers of the P2 loops phase: wsk-tfo on a registration with 1 event loop, and with 2.</summary>
    public static readonly string[] P2LoopsPeers = ["wsk-tfo-loops1", "wsk-tfo-loops2"];
    public static readonly string[] P5Peers = ["wsk", "dotnet"];
    public static readonly string[] ChurnPeers = ["wsk-tfo", "c-tfo", "dotnet"];
    public static readonly string[] P4Peers = ["wsk", "dotnet"];

    public static int Run(Options o)
    {
        Cleanup.Install();
        Plan plan = o.Flag("full") ? Plan.Full : Plan.Quick;
        string repo = Path.GetFullPath(o.Get("repo") ?? FindRepo());
        string native = Path.GetFullPath(o.Get("native", Path.Combine(repo, "bench", "native", "bin")));
        string results = Path.GetFullPath(o.Get("results", Path.Combine(repo, "bench", "results")));
        string? lab = o.Get("lab");
        string prefix = o.Get("ns-prefix", lab ?? $"wskb{Environment.ProcessId}");
        var phases = new HashSet<string>((o.Get("phases") ?? "p1,blackhole,blackhole-proc,p2,p2-loops,churn,p3,p5,p4").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        bool profile = !o.Flag("no-profile");
        string logs = Path.Combine(results, "logs");
        Directory.CreateDirectory(logs);
        foreach (string old in Directory.GetFiles(logs))
        {
            File.Delete(old);
        }

        string wskLocal = o.Get("wsk-local", "0.0.0.0");
        var ctx = new RunContext(plan, repo, native, results, logs, lab, prefix, Stopwatch.StartNew(), wskLocal);
        var report = new Report(plan, ctx);
        Console.Out.WriteLine($"bench: {plan.Mode} mode; lab {lab ?? "(none)"}; phases {string.Join(',', phases.Order())}; WskBind address {wskLocal}; logs in {logs}");
        report.Meta["wsk_bind_address"] = wskLocal == "specific" ? "the client's own address (198.18.0.1 / 127.0.0.1), port 0" : $"{wskLocal}, port 0";
        report.Meta["load_average_start"] = ReadLoad();
        try
        {
            if (phases.Contains("p1"))
            {
                if (lab is null)
                {
                    report.Notes.Add("P1 skipped: no --lab given (bench/run brings a lab up).");
                }
                else
                {
                    RunPhase(ctx, report, "P1", () => P1(ctx, report));
                }
            }

            if (phases.Contains("blackhole") && lab is not null)
            {
                RunPhase(ctx, report, "blackhole", () => Blackhole(ctx, report));
            }

            if (phases.Contains("blackhole-proc") && lab is not null)
            {
                RunPhase(ctx, report, "blackhole-proc", () => BlackholeProcesses(ctx, report));
            }

            if (phases.Contains("p2"))
            {
                RunPhase(ctx, report, "P2", () => P2(ctx, report));
            }

            if (phases.Contains("p2-loops"))
            {
                RunPhase(ctx, report, "P2 loops", () => P2Loops(ctx, report));
            }

            if (phases.Contains("churn"))
            {
                RunPhase(ctx, report, "P2 churn", () => Churn(ctx, report));
            }

            if (phases.Contains("p3"))
            {
                RunPhase(ctx, report, "P3", () => P3(ctx, report));
            }

            if (phases.Contains("p5"))
            {
                RunPhase(ctx, report, "P5", () => P5(ctx, report));
            }

            if (phases.Contains("p4"))
            {
                RunPhase(ctx, report, "P4", () => P4(ctx, report));
            }

            if (profile && phases.Contains("p2"))
            {
                RunPhase(ctx, report, "profile", () => Profile(ctx, report));
            }
        }
        finally
        {
            Cleanup.All();
        }

        report.Meta["load_average_end"] = ReadLoad();
        report.Meta["seconds"] = Math.Round(ctx.Clock.Elapsed.TotalSeconds, 1);
        string line = report.Write(results);
        Console.Out.WriteLine(line);
        return 0;
    }

    private static void RunPhase(RunContext ctx, Report report, string name, Action action)
    {
        if (ctx.OverBudget)
        {
            report.Notes.Add($"{name} skipped: the run's time budget ({ctx.Plan.Budget.TotalSeconds:F0} s) was spent.");
            return;
        }

        var sw = Stopwatch.StartNew();
        Console.Out.WriteLine($"bench: {name} ...");
        try
        {
            action();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or JsonException or TimeoutException)
        {
            report.Notes.Add($"{name} failed: {ex.Message}");
            Console.Error.WriteLine($"bench: {name} failed: {ex}");
        }

        Console.Out.WriteLine($"bench: {name} done in {sw.Elapsed.TotalSeconds:F1} s");
    }

    internal sealed record RunContext(Plan Plan, string Repo, string Native, string Results, string Logs, string? Lab, string Prefix, Stopwatch Clock,
        string WskLocal)
    {
        private int _log;

        /// <summary>The address WskSharp peers give WskBind (port 0) on loopback runs: the wildcard (what WSK drivers
        /// usually bind to), or the loopback address with <c>--wsk-local specific</c>.</summary>
        public string LoopbackLocal => WskLocal == "specific" ? "127.0.0.1" : WskLocal;

        public bool OverBudget => Clock.Elapsed > Plan.Budget;

        public string NextLog(string what) => Path.Combine(Logs, $"{Interlocked.Increment(ref _log):D3}-{what}.log");

        public string NextOut(string what) => Path.Combine(Logs, $"{Interlocked.Increment(ref _log):D3}-{what}.json");
    }

    // --- P1: time to first byte over the lab's delay line -------------------------------------------------------

    private static void P1(RunContext ctx, Report report)
    {
        string nsC = ctx.Lab + "-c", nsS = ctx.Lab + "-s";
        using Server server = Server.Start(nsS, Path.Combine(ctx.Native, "echo_server"), "--bind", ServerAddress, "--port", "0", "--fastopen", "256");
        report.Meta["p1_server"] = $"echo_server --fastopen 256 on {ServerAddress}:{server.Port} in {nsS}; clients in {nsC}";
        report.Meta["p1_rtt_ms"] = PingRtt(nsC);
        for (int round = 1; round <= ctx.Plan.P1Rounds; round++)
        {
            foreach (string peer in Rotate(P1Peers, round))
            {
                if (ctx.OverBudget)
                {
                    report.Notes.Add("P1 stopped early: time budget spent.");
                    return;
                }

                int count = ctx.Plan.P1PerRound;
                var timeout = TimeSpan.FromSeconds(30 + (count * 0.2));
                PeerRun run = IsNative(peer)
                    ? NativeClient(ctx, nsC, peer, ServerAddress, server.Port, count, 1, 3, samples: true, timeout)
                    : WorkerConn(ctx, nsC, peer, ServerAddress, ctx.WskLocal == "specific" ? ClientAddress : ctx.WskLocal, server.Port, count, 1, 3, 0, samples: true, timeout);
                run.Phase = "p1";
                run.Round = round;
                report.P1.Add(run);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  P1 round {round} {peer,-15} ok {run.Succeeded,4} failed {run.Failed} p50 {Stats.Percentile(run.TtfbUs, 50) / 1000:F2} ms  SYN-data acked {run.SynDataAcked}/{run.TfoChecked}"));
            }
        }
    }

    // --- Blackhole: a path that drops SYNs carrying data (issue 9) ---------------------------------------------------

    /// <summary>
    /// 20 sequential connect + 64 B request + reply to 198.18.0.3, whose SYN data the delay line drops. Each peer is a
    /// fresh process (fresh adaptive memory); one warm-up connection gets the cookie (its SYN has no data, so it passes).
    /// The kernel falls back about a second later on every SYN with data; ours pays that once, .NET every time.
    /// </summary>
    private static void Blackhole(RunContext ctx, Report report)
    {
        string nsC = ctx.Lab + "-c", nsS = ctx.Lab + "-s";
        using Server server = Server.Start(nsS, Path.Combine(ctx.Native, "echo_server"), "--bind", BlackholeAddress, "--port", "0", "--fastopen", "256");
        report.Meta["blackhole_server"] = $"echo_server --fastopen 256 on {BlackholeAddress}:{server.Port} in {nsS}, SYN data to it dropped by the lab";
        foreach (string peer in BlackholePeers)
        {
            PeerRun run = WorkerConn(ctx, nsC, peer, BlackholeAddress, ctx.WskLocal == "specific" ? ClientAddress : ctx.WskLocal, server.Port,
                20, 1, 1, 0, samples: true, TimeSpan.FromSeconds(120));
            run.Phase = "blackhole";
            report.Blackhole.Add(run);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  blackhole {peer,-15} ok {run.Succeeded,3} failed {run.Failed} total {run.TtfbUs.Sum() / 1000:F0} ms  SYN-data acked {run.SynDataAcked}/{run.TfoChecked}"));
        }
    }

    /// <summary>
    /// The same path, one request per process: 20 sequential worker processes each make one connection (after one
    /// warm-up process that fetches the cookie). .NET pays the fallback in every process; ours, with
    /// <c>WskProviderOptions.FastOpenMemoryFile</c>, in the first only. Totals are the 20 connections' times to the reply.
    /// </summary>
    private static void BlackholeProcesses(RunContext ctx, Report report)
    {
        const int Processes = 20;
        string nsC = ctx.Lab + "-c", nsS = ctx.Lab + "-s";
        using Server server = Server.Start(nsS, Path.Combine(ctx.Native, "echo_server"), "--bind", BlackholeAddress, "--port", "0", "--fastopen", "256");
        string memoryFile = Path.Combine(ctx.Logs, "tfo-memory");
        File.Delete(memoryFile);
        foreach (string peer in BlackholePeers)
        {
            string? file = peer.StartsWith("wsk", StringComparison.Ordinal) ? memoryFile : null;
            string local = ctx.WskLocal == "specific" ? ClientAddress : ctx.WskLocal;
            _ = WorkerConn(ctx, nsC, peer, BlackholeAddress, local, server.Port, 1, 1, 0, 0, samples: true, TimeSpan.FromSeconds(60), file);
            var total = new PeerRun { Peer = peer, Phase = "blackhole-proc", Count = Processes };
            var times = new List<double>();
            for (int i = 0; i < Processes; i++)
            {
                PeerRun run = WorkerConn(ctx, nsC, peer, BlackholeAddress, local, server.Port, 1, 1, 0, 0, samples: true, TimeSpan.FromSeconds(60), file);
                total.Succeeded += run.Succeeded;
                total.Failed += run.Failed;
                total.SynDataAcked += run.SynDataAcked;
                total.TfoChecked += run.TfoChecked;
                times.AddRange(run.TtfbUs);
            }

            total.TtfbUs = [.. times];
            report.BlackholeProcesses.Add(total);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  blackhole-proc {peer,-15} processes {Processes} ok {total.Succeeded,3} failed {total.Failed} total {times.Sum() / 1000:F0} ms"));
        }
    }

    private static double? PingRtt(string ns)
    {
        Proc.Result r = Proc.Run("ip", ["netns", "exec", ns, "ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "2", ServerAddress], TimeSpan.FromSeconds(10));
        // rtt min/avg/max/mdev = 20.3/20.4/20.5/0.1 ms
        int i = r.Stdout.IndexOf("= ", StringComparison.Ordinal);
        if (r.ExitCode != 0 || i < 0)
        {
            return null;
        }

        string[] parts = r.Stdout[(i + 2)..].Split('/');
        return parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double avg) ? avg : null;
    }

    // --- P2: connection rate on loopback --------------------------------------------------------------------------

    private static void P2(RunContext ctx, Report report)
    {
        Plan plan = ctx.Plan;
        for (int round = 1; round <= plan.P2Rounds; round++)
        {
            foreach (string peer in Rotate(P2Peers, round))
            {
                if (ctx.OverBudget)
                {
                    report.Notes.Add("P2 stopped early: time budget spent.");
                    return;
                }

                P2Run(ctx, report, "p2", peer, round);
            }
        }
    }

    /// <summary>
    /// The P2 work with one event loop and with two (<c>WskProviderOptions.EventLoopCount</c>), back to back in each
    /// round, the order swapped every round: whether a second loop buys connections per second on this machine.
    /// </summary>
    private static void P2Loops(RunContext ctx, Report report)
    {
        Plan plan = ctx.Plan;
        report.Meta["p2_loops_load_average_start"] = ReadLoad();
        for (int round = 1; round <= plan.P2Rounds * 2; round++)
        {
            foreach (string peer in round % 2 == 1 ? P2LoopsPeers : Enumerable.Reverse(P2LoopsPeers))
            {
                if (ctx.OverBudget)
                {
                    report.Notes.Add("P2 loops stopped early: time budget spent.");
                    return;
                }

                P2Run(ctx, report, "p2-loops", peer, round);
            }
        }

        report.Meta["p2_loops_load_average_end"] = ReadLoad();
    }

    private static void P2Run(RunContext ctx, Report report, string phase, string peer, int round)
    {
        Plan plan = ctx.Plan;

        // A fresh namespace per run: its own loopback, TIME_WAIT table and ephemeral ports, so no peer
        // inherits another's leftovers.
        using var ns = Netns.Create(ctx.Prefix);
        using Server server = Server.Start(ns.Name, Path.Combine(ctx.Native, "echo_server"), "--bind", "127.0.0.1", "--port", "0", "--fastopen", "4096");
        var timeout = TimeSpan.FromSeconds(90);
        PeerRun run = IsNative(peer)
            ? NativeClient(ctx, ns.Name, peer, "127.0.0.1", server.Port, plan.P2Count, plan.P2Concurrency, 2, samples: false, timeout,
                warmupConcurrent: peer == "wsk-c" ? plan.P2Warmup : 0)
            : WorkerConn(ctx, ns.Name, peer, "127.0.0.1", ctx.LoopbackLocal, server.Port, plan.P2Count, plan.P2Concurrency, 2, plan.P2Warmup, samples: false, timeout);
        run.Phase = phase;
        run.Round = round;
        report.P2.Add(run);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {(phase == "p2" ? "P2" : "P2 loops")} round {round} {peer,-15} ok {run.Succeeded,6} failed {run.Failed} {run.ConnectionsPerSecond,8:F0} conn/s  cpu {run.CpuUsPerConnection,6:F1} us/conn  SYN-data acked {run.SynDataAcked}/{run.TfoChecked}"));
    }

    // --- P2 churn: sustained connection churn in one namespace ---------------------------------------------------

    /// <summary>
    /// Runs back to back in ONE namespace per peer, as a busy client would: TIME_WAIT sockets of earlier runs (the
    /// client closes first) are still there for the later ones. Shows what each peer does once its connections
    /// outnumber half the ephemeral port range within the TIME_WAIT period.
    /// </summary>
    private static void Churn(RunContext ctx, Report report)
    {
        Plan plan = ctx.Plan;
        foreach (string peer in ChurnPeers)
        {
            using var ns = Netns.Create(ctx.Prefix);
            using Server server = Server.Start(ns.Name, Path.Combine(ctx.Native, "echo_server"), "--bind", "127.0.0.1", "--port", "0", "--fastopen", "4096");
            for (int run = 1; run <= plan.ChurnRuns; run++)
            {
                if (ctx.OverBudget)
                {
                    report.Notes.Add("P2 churn stopped early: time budget spent.");
                    return;
                }

                var timeout = TimeSpan.FromSeconds(75);
                PeerRun r = peer.StartsWith("c-", StringComparison.Ordinal)
                    ? NativeClient(ctx, ns.Name, peer, "127.0.0.1", server.Port, plan.ChurnCount, plan.P2Concurrency, 2, samples: false, timeout)
                    : WorkerConn(ctx, ns.Name, peer, "127.0.0.1", ctx.LoopbackLocal, server.Port, plan.ChurnCount, plan.P2Concurrency, 2, 0, samples: false, timeout);
                r.Phase = "churn";
                r.Round = run;
                report.Churn.Add(r);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  churn {peer,-8} run {run} (connections so far {(run - 1) * plan.ChurnCount,6}) ok {r.Succeeded,5} failed {r.Failed,5} {r.ConnectionsPerSecond,8:F0} conn/s  cpu {r.CpuUsPerConnection,8:F1} us/conn"));
            }
        }
    }

    // --- P3: allocation ---------------------------------------------------------------------------------------------

    private static void P3(RunContext ctx, Report report)
    {
        using var ns = Netns.Create(ctx.Prefix);
        using Server echo = Server.Start(ns.Name, Path.Combine(ctx.Native, "echo_server"), "--bind", "127.0.0.1", "--port", "0");
        using Server sink = Server.Start(ns.Name, Path.Combine(ctx.Native, "sink_server"), "--bind", "127.0.0.1", "--port", "0", "--fastopen", "256");
        string outPath = ctx.NextOut("p3-alloc");
        string artifacts = Path.Combine(ctx.Logs, "bdn");
        List<string> args = [.. WorkerPrefix(ns.Name), "worker", "alloc", "--echo-port", Str(echo.Port), "--sink-port", Str(sink.Port),
            "--out", outPath, "--bdn-artifacts", artifacts];
        if (ctx.Plan.Mode == "quick")
        {
            args.Add("--quick");
        }

        Proc.Result r = Proc.Run("ip", args, TimeSpan.FromSeconds(ctx.Plan.Mode == "quick" ? 150 : 600), ctx.NextLog("p3-alloc"));
        if (!File.Exists(outPath))
        {
            throw new InvalidOperationException($"the allocation worker wrote no result (exit {r.ExitCode}{(r.TimedOut ? ", timed out" : "")}): {Tail(r.Stderr + r.Stdout)}");
        }

        report.P3 = Json.Read<AllocResult>(outPath);
        if (r.TimedOut)
        {
            report.Notes.Add("P3: the allocation worker timed out; BenchmarkDotNet figures may be missing (direct figures stand).");
        }

        if (report.P3.BenchmarkDotNetReport is { } md)
        {
            File.WriteAllText(Path.Combine(ctx.Results, "latest-p3-benchmarkdotnet.md"), md);
        }

        foreach (AllocFigure f in report.P3.Direct.Concat(report.P3.BenchmarkDotNet))
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  P3 {f.BytesPerOp,8:F1} B/op  {f.Name}"));
        }
    }

    // --- P5: bulk throughput ----------------------------------------------------------------------------------------

    private static void P5(RunContext ctx, Report report)
    {
        Plan plan = ctx.Plan;
        using var ns = Netns.Create(ctx.Prefix);
        using Server sink = Server.Start(ns.Name, Path.Combine(ctx.Native, "sink_server"), "--bind", "127.0.0.1", "--port", "0");
        for (int round = 1; round <= plan.P5Rounds; round++)
        {
            foreach (string peer in Rotate(P5Peers, round))
            {
                string outPath = ctx.NextOut($"p5-{peer}-r{round}");
                Proc.Result r = Proc.Run("ip", [.. WorkerPrefix(ns.Name), "worker", "bulk", "--peer", peer, "--port", Str(sink.Port),
                    "--bytes", Str(plan.P5Bytes), "--chunk", Str(plan.P5Chunk), "--round", Str(round), "--out", outPath],
                    TimeSpan.FromSeconds(150), ctx.NextLog($"p5-{peer}-r{round}"));
                PeerRun run = File.Exists(outPath) ? Json.Read<PeerRun>(outPath) : Failed(peer, "p5", 1, r);
                run.Round = round;
                report.P5.Add(run);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  P5 round {round} {peer,-7} {run.Bytes / (double)(1 << 20),6:F0} MiB in {run.WallSeconds:F3} s = {run.BytesPerSecond / (1 << 20),6:F0} MiB/s  cpu {run.CpuUserSeconds + run.CpuSysSeconds:F3} s{(run.Failed > 0 ? "  FAILED" : "")}"));
            }
        }
    }

    // --- P4: 100,000 concurrent connections in one process ---------------------------------------------------------

    /// <summary>
    /// Each peer, in a fresh namespace of its own with echo_server listening on 0.0.0.0 (all of 127.0.0.0/8 is local
    /// there), opens the plan's connections to several 127.0.0.x addresses (a wildcard bind is deferred to the connect,
    /// so each address has its own 28,232 ephemeral ports), holds them all, measures memory and descriptors, and closes
    /// them. RLIMIT_NOFILE is raised here (children inherit it); where the hard limit cannot be raised (no
    /// CAP_SYS_RESOURCE), the run holds as many as it allows and says so.
    /// </summary>
    private static void P4(RunContext ctx, Report report)
    {
        int target = ctx.Plan.P4Count;
        long limit = NativeMethods.RaiseNoFile(target + 4096);
        int count = (int)Math.Min(target, limit - 1024); // room for the runtime's own descriptors
        report.Meta["p4_target"] = target;
        report.Meta["p4_nofile_limit"] = limit;
        report.Meta["p4_count"] = count;
        if (count < target)
        {
            report.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"P4 held {count:N0} connections, not {target:N0}: RLIMIT_NOFILE could not be raised past {limit:N0} (the hard limit; raising it needs CAP_SYS_RESOURCE, which this environment lacks), and one process cannot hold more connections than descriptors."));
        }

        // At most 20,000 connections per server address: the port search stays fast well below the range's 28,232.
        int addresses = Math.Max(2, (count + 19_999) / 20_000);
        string addrs = string.Join(',', Enumerable.Range(1, addresses).Select(i => $"127.0.0.{i}"));
        report.Meta["p4_server"] = $"echo_server on 0.0.0.0 in a namespace per peer; clients connect round robin to {addrs}, {ctx.Plan.P4Concurrency} connections being opened at a time, 32 B request echoed";
        foreach (string peer in P4Peers)
        {
            using var ns = Netns.Create(ctx.Prefix);
            using Server server = Server.Start(ns.Name, Path.Combine(ctx.Native, "echo_server"), "--bind", "0.0.0.0", "--port", "0", "--backlog", "4096");
            string outPath = ctx.NextOut($"p4-{peer}");
            var timeout = TimeSpan.FromSeconds(ctx.Plan.Mode == "quick" ? 150 : 300);
            Proc.Result r = Proc.Run("ip", [.. WorkerPrefix(ns.Name), "worker", "p4", "--peer", peer, "--addrs", addrs, "--port", Str(server.Port),
                "--count", Str(count), "--concurrency", Str(ctx.Plan.P4Concurrency), "--request-bytes", "32",
                "--deadline-s", Str((int)timeout.TotalSeconds / 3), "--out", outPath], timeout, ctx.NextLog($"p4-{peer}"));
            P4Result run = File.Exists(outPath) ? Json.Read<P4Result>(outPath) : new P4Result { Peer = peer, Count = count, OpenFailed = count, TimedOut = r.TimedOut, Note = $"no result (exit {r.ExitCode}): {Tail(r.Stderr)}" };
            report.P4.Add(run);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  P4 {peer,-7} held {run.Held,6}/{run.Count} open failed {run.OpenFailed} close failed {run.CloseFailed} open {run.OpenSeconds:F1} s close {run.CloseSeconds:F1} s  managed {run.ManagedBytesPerConnection,6:F0} B/conn  RSS {run.RssBytesPerConnection,6:F0} B/conn  fds {run.FdsBefore}/{run.FdsHeld}/{run.FdsAfter}"));
        }
    }

    // --- profile: syscalls per connection (strace -c -f) ------------------------------------------------------------

    /// <summary>strace -f -c of a P2-style run at N and 3N connections; the difference divided by 2N is the syscalls
    /// per connection with process start-up, JIT and warm-up taken out.</summary>
    private static void Profile(RunContext ctx, Report report)
    {
        if (Proc.Run("strace", ["-V"], TimeSpan.FromSeconds(5)).ExitCode != 0)
        {
            report.Notes.Add("profile skipped: strace is not installed (apt-get install strace).");
            return;
        }

        int n1 = ctx.Plan.ProfileCount, n2 = 3 * ctx.Plan.ProfileCount;
        foreach (string peer in new[] { "wsk-tfo", "c-tfo", "dotnet" })
        {
            Dictionary<string, long>? c1 = StraceCounts(ctx, report, peer, n1);
            Dictionary<string, long>? c2 = c1 is null ? null : StraceCounts(ctx, report, peer, n2);
            if (c1 is null || c2 is null)
            {
                continue;
            }

            report.Profile[peer] = c2.Keys.Union(c1.Keys).ToDictionary(k => k,
                k => Math.Round((c2.GetValueOrDefault(k) - c1.GetValueOrDefault(k)) / (double)(n2 - n1), 2), StringComparer.Ordinal);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  strace {peer,-8} {report.Profile[peer].Values.Sum(),6:F1} syscalls/connection"));
        }
    }

    private static Dictionary<string, long>? StraceCounts(RunContext ctx, Report report, string peer, int count)
    {
        using var ns = Netns.Create(ctx.Prefix);
        using Server server = Server.Start(ns.Name, Path.Combine(ctx.Native, "echo_server"), "--bind", "127.0.0.1", "--port", "0", "--fastopen", "4096");
        string summary = Path.Combine(ctx.Logs, $"strace-{peer}-{count}.txt");
        List<string> client = peer.StartsWith("c-", StringComparison.Ordinal)
            ? [Path.Combine(ctx.Native, "client"), "--mode", peer[2..], "--addr", "127.0.0.1", "--port", Str(server.Port), "--count", Str(count),
                "--concurrency", Str(ctx.Plan.P2Concurrency), "--warmup", "2", "--no-samples", "--json"]
            : [.. WorkerCommand(), "worker", "conn", "--peer", peer, "--addr", "127.0.0.1", "--local", ctx.LoopbackLocal, "--port", Str(server.Port),
                "--count", Str(count), "--concurrency", Str(ctx.Plan.P2Concurrency), "--warmup", "2", "--out", Path.Combine(ctx.Logs, $"strace-{peer}-{count}.json")];
        Proc.Result r = Proc.Run("ip", ["netns", "exec", ns.Name, "strace", "-f", "-c", "-o", summary, .. client], TimeSpan.FromSeconds(120),
            ctx.NextLog($"strace-{peer}-{count}"));
        if (!File.Exists(summary) || r.ExitCode != 0)
        {
            report.Notes.Add($"profile: strace of {peer} ({count} connections) failed (exit {r.ExitCode}{(r.TimedOut ? ", timed out" : "")}).");
            return null;
        }

        return Stats.ParseStraceCalls(File.ReadAllText(summary));
    }

    // --- peers ---------------------------------------------------------------------------------------------------

    private static PeerRun WorkerConn(RunContext ctx, string ns, string peer, string addr, string local, int port, int count, int concurrency,
        int warmup, int warmupConcurrent, bool samples, TimeSpan timeout, string? fastOpenMemoryFile = null)
    {
        string outPath = ctx.NextOut($"{peer}");
        List<string> args = [.. WorkerPrefix(ns), "worker", "conn", "--peer", peer, "--addr", addr, "--local", local, "--port", Str(port),
            "--count", Str(count), "--concurrency", Str(concurrency), "--warmup", Str(warmup), "--warmup-concurrent", Str(warmupConcurrent),
            "--deadline-s", Str((int)timeout.TotalSeconds - 10), "--out", outPath];
        if (samples)
        {
            args.Add("--samples");
        }

        if (fastOpenMemoryFile is not null)
        {
            args.AddRange(["--tfo-memory-file", fastOpenMemoryFile]);
        }

        File.Delete(outPath);
        Proc.Result r = Proc.Run("ip", args, timeout, ctx.NextLog(peer));
        return File.Exists(outPath) ? Json.Read<PeerRun>(outPath) : Failed(peer, "", count, r);
    }

    /// <summary>Peers that are C programs: the plain-socket client (c-MODE) and the WSK driver code over the native face
    /// (wsk-c, bench/native/wsk_client.c, the c-tfo exchange in WSK calls). Both print the same JSON.</summary>
    private static bool IsNative(string peer) => peer.StartsWith("c-", StringComparison.Ordinal) || peer == "wsk-c";

    /// <remarks><paramref name="warmupConcurrent"/>: wsk-c only, warm-up connections at the measured concurrency after the
    /// sequential ones, as the WskSharp workers warm up (the WSK layer inside it has pools and a managed heap to settle;
    /// a plain C client has nothing to warm).</remarks>
    private static PeerRun NativeClient(RunContext ctx, string ns, string peer, string addr, int port, int count, int concurrency, int warmup,
        bool samples, TimeSpan timeout, int warmupConcurrent = 0)
    {
        (string program, string mode) = peer == "wsk-c" ? ("wsk_client", "tfo") : ("client", peer[2..]);
        List<string> args = ["netns", "exec", ns, Path.Combine(ctx.Native, program), "--mode", mode, "--addr", addr, "--port", Str(port),
            "--count", Str(count), "--concurrency", Str(concurrency), "--warmup", Str(warmup), "--json"];
        if (!samples)
        {
            args.Add("--no-samples");
        }

        if (warmupConcurrent > 0)
        {
            args.AddRange(["--warmup-concurrent", Str(warmupConcurrent)]);
        }

        Proc.Result r = Proc.Run("ip", args, timeout, ctx.NextLog(peer));
        JsonNode? j = null;
        try
        {
            j = r.Stdout.Trim().Length > 0 ? JsonNode.Parse(r.Stdout) : null;
        }
        catch (JsonException)
        {
        }

        if (j is null)
        {
            return Failed(peer, "", count, r);
        }

        var run = new PeerRun
        {
            Peer = peer,
            Count = count,
            Succeeded = (long)j["succeeded"]!,
            Failed = (long)j["failed"]!,
            WarmupFailed = (long)j["warmup_failed"]!,
            WallSeconds = (double)j["wall_seconds"]!,
            ConnectionsPerSecond = (double)j["connections_per_second"]!,
            CpuUserSeconds = (double)j["cpu_user_seconds"]!,
            CpuSysSeconds = (double)j["cpu_sys_seconds"]!,
            CpuUsPerConnection = (double)j["cpu_us_per_connection"]!,
            SynDataAcked = (long)j["tfo"]!["syn_data_acked"]!,
            TfoChecked = (long)j["tfo"]!["checked"]!,
            WarmupSynDataAcked = (long)j["tfo"]!["warmup_syn_data_acked"]!,
            TtfbUs = j["ttfb_us"] is JsonArray a ? [.. a.Select(x => (double)x!)] : [],
            TimedOut = r.TimedOut,
            ManagedBytes = (long?)j["managed_bytes"],
            VerifierProblems = (long?)j["verifier_problems"],
        };
        foreach (JsonNode? e in j["errors"]!.AsArray())
        {
            run.AddError($"{(string)e!["stage"]!}: {(string)e["error"]!}", (long)e["count"]!);
        }

        return run;
    }

    private static PeerRun Failed(string peer, string phase, long count, Proc.Result r)
    {
        var run = new PeerRun { Peer = peer, Phase = phase, Count = count, Failed = count, TimedOut = r.TimedOut };
        run.AddError(r.TimedOut ? "process timed out" : $"process exited {r.ExitCode} without a result: {Tail(r.Stderr)}", count);
        return run;
    }

    /// <summary>The command that starts this program again (apphost, or dotnet + dll).</summary>
    private static List<string> WorkerCommand()
    {
        string self = Environment.ProcessPath ?? "dotnet";
        string dll = typeof(Orchestrator).Assembly.Location;
        return Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, dll] : [self];
    }

    private static List<string> WorkerPrefix(string ns) => ["netns", "exec", ns, .. WorkerCommand()];

    private static IEnumerable<string> Rotate(string[] peers, int round)
    {
        for (int i = 0; i < peers.Length; i++)
        {
            yield return peers[(i + round - 1) % peers.Length];
        }
    }

    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Tail(string s) => s.Length > 400 ? "..." + s[^400..].Trim() : s.Trim();

    private static string ReadLoad()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string FindRepo()
    {
        for (string? d = AppContext.BaseDirectory; d is not null; d = Path.GetDirectoryName(d))
        {
            if (File.Exists(Path.Combine(d, "WskSharp.slnx")))
            {
                return d;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
