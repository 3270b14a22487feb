using System.Globalization;

namespace WskSharp.Bench;

/// <summary>How much the UDP phase runs in each mode (its own record, so the shared <see cref="Plan"/> stays as it is).</summary>
/// <param name="Rounds">Runs per peer, the peers' order rotating.</param>
/// <param name="Count">Measured request/response pairs per run.</param>
/// <param name="Sockets">Client sockets, one request in flight on each.</param>
/// <param name="Warmup">Unmeasured pairs first.</param>
/// <param name="RequestBytes">Request (and echo) size.</param>
/// <param name="Allowance">What the phase adds to the run's time budget (about its length on a loaded 2-core machine).</param>
internal sealed record UdpPlan(int Rounds, long Count, int Sockets, long Warmup, int RequestBytes, TimeSpan Allowance)
{
    public static UdpPlan Quick { get; } = new(3, 100_000, 16, 20_000, 64, TimeSpan.FromSeconds(60));

    public static UdpPlan Full { get; } = new(5, 300_000, 16, 40_000, 64, TimeSpan.FromSeconds(180));

    public static UdpPlan For(Plan plan) => plan.Mode == "full" ? Full : Quick;
}

/// <summary>The UDP phase (issue 15): request/response datagrams on loopback, ours vs .NET vs C.</summary>
internal static partial class Orchestrator
{
    /// <summary>ours (WskSendTo/WskReceiveFrom from completion routines), .NET SendToAsync/ReceiveFromAsync, C sendto/recvfrom.</summary>
    public static readonly string[] UdpPeers = ["wsk-udp", "c-udp", "dotnet-udp"];

    /// <summary>
    /// Every run in a fresh namespace with its own <c>udp_echo_server</c> on 127.0.0.1; each client is one process with
    /// <see cref="UdpPlan.Sockets"/> unconnected sockets, one request in flight on each; rounds rotate the peers' order.
    /// </summary>
    private static void Udp(RunContext ctx, Report report)
    {
        UdpPlan plan = UdpPlan.For(ctx.Plan);
        report.Meta["udp_shape"] = string.Create(CultureInfo.InvariantCulture,
            $"udp_echo_server (C, epoll, recvfrom/sendto) on 127.0.0.1 in a fresh namespace per run; {plan.Sockets} client sockets bound to port 0, one {plan.RequestBytes} B request in flight on each; {plan.Rounds} rounds x {plan.Count:N0} measured pairs per peer after {plan.Warmup:N0} unmeasured");
        for (int round = 1; round <= plan.Rounds; round++)
        {
            foreach (string peer in Rotate(UdpPeers, round))
            {
                if (ctx.OverBudget)
                {
                    report.Notes.Add("UDP stopped early: time budget spent.");
                    return;
                }

                using var ns = Netns.Create(ctx.Prefix);
                using Server server = Server.Start(ns.Name, Path.Combine(ctx.Native, "udp_echo_server"), "--bind", "127.0.0.1", "--port", "0");
                UdpRun run = UdpClient(ctx, ns.Name, peer, server.Port, plan, round, TimeSpan.FromSeconds(90));
                run.Round = round;
                report.Udp.Add(run);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  UDP round {round} {peer,-10} ok {run.Succeeded,7} failed {run.Failed} {run.DatagramsPerSecond,8:F0} pairs/s  cpu {run.CpuUsPerDatagram,6:F2} us/pair  alloc {(run.AllocatedBytesPerDatagram is { } a ? a.ToString("F3", CultureInfo.InvariantCulture) + " B/pair" : "-")}"));
            }
        }
    }

    private static UdpRun UdpClient(RunContext ctx, string ns, string peer, int port, UdpPlan plan, int round, TimeSpan timeout)
    {
        Proc.Result r;
        UdpRun? run = null;
        if (peer == "c-udp")
        {
            r = Proc.Run("ip", ["netns", "exec", ns, Path.Combine(ctx.Native, "udp_client"), "--addr", "127.0.0.1", "--port", Str(port),
                "--count", Str(plan.Count), "--concurrency", Str(plan.Sockets), "--request-bytes", Str(plan.RequestBytes), "--warmup", Str(plan.Warmup),
                "--json"], timeout, ctx.NextLog(peer));
            try
            {
                run = r.Stdout.Trim().Length > 0 ? System.Text.Json.JsonSerializer.Deserialize<UdpRun>(r.Stdout, Json.Options) : null;
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        else
        {
            string outPath = ctx.NextOut(peer);
            File.Delete(outPath);
            r = Proc.Run("ip", [.. WorkerPrefix(ns), "worker", "udp", "--peer", peer, "--addr", "127.0.0.1", "--port", Str(port),
                "--count", Str(plan.Count), "--concurrency", Str(plan.Sockets), "--request-bytes", Str(plan.RequestBytes), "--warmup", Str(plan.Warmup),
                "--round", Str(round), "--deadline-s", Str((int)timeout.TotalSeconds / 3), "--out", outPath], timeout, ctx.NextLog(peer));
            run = File.Exists(outPath) ? Json.Read<UdpRun>(outPath) : null;
        }

        if (run is null)
        {
            run = new UdpRun { Peer = peer, Count = plan.Count, Failed = plan.Count, TimedOut = r.TimedOut };
            run.AddError(r.TimedOut ? "process timed out" : $"process exited {r.ExitCode} without a result: {Tail(r.Stderr)}", plan.Count);
        }

        run.TimedOut |= r.TimedOut;
        return run;
    }
}
