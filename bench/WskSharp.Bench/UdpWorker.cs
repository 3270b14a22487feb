using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace WskSharp.Bench;

/// <summary>
/// <c>worker udp --peer dotnet-udp|wsk-udp ...</c>: one client process of the UDP phase, run by the orchestrator inside
/// a network namespace like the native <c>udp_client</c>. Several sockets, one request in flight on each; warm-up
/// batches until tiered compilation has settled; then the measured batch: pairs per second, getrusage CPU per pair,
/// and <c>GC.GetTotalAllocatedBytes(precise: true)</c> (all threads) per pair. Writes one <see cref="UdpRun"/> to <c>--out</c>.
/// </summary>
internal static class UdpWorker
{
    public static int Run(Options o)
    {
        string peer = o.Require("peer");
        var server = new IPEndPoint(IPAddress.Parse(o.Require("addr")), o.Int("port", 0));
        long count = o.Long("count", 100_000);
        int sockets = Math.Max(1, o.Int("concurrency", 16));
        int requestBytes = o.Int("request-bytes", 64);
        long warmup = o.Long("warmup", 20_000);
        var timeout = TimeSpan.FromMilliseconds(o.Int("timeout-ms", 2000));
        var deadline = TimeSpan.FromSeconds(o.Int("deadline-s", 60));
        string outPath = o.Require("out");

        byte[] request = new byte[requestBytes];
        for (int i = 0; i < request.Length; i++)
        {
            request[i] = (byte)('A' + (i % 26));
        }

        var result = new UdpRun { Peer = peer, Round = o.Int("round", 0), Count = count, Concurrency = sockets, RequestBytes = requestBytes };
        using IUdpPeer udp = peer switch
        {
            "dotnet-udp" => new DotNetUdpPeer(server, sockets, request),
            "wsk-udp" => new WskUdpPeer(server, sockets, request),
            _ => throw new ArgumentException($"unknown UDP peer {peer}"),
        };
        using var watchdog = new UdpWatchdog(udp, timeout);
        var batch = new UdpBatch();

        // Warm-up, not measured: a batch, then short batches until no method was compiled during two in a row (at
        // most 8), so that the measured batch runs steady-state code, as the C client does.
        if (warmup > 0)
        {
            result.WarmupFailed += RunBatch(udp, batch, warmup, deadline);
            for (int i = 0, quiet = 0; i < 8 && quiet < 2; i++)
            {
                long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
                Thread.Sleep(200);
                result.WarmupFailed += RunBatch(udp, batch, Math.Max(warmup / 4, sockets), deadline);
                result.WarmupBursts++;
                quiet = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) == before ? quiet + 1 : 0;
            }
        }

        batch.Reset(count, udp.Alive);
        TimeSpan jit0 = System.Runtime.JitInfo.GetCompilationTime(currentThread: false);
        long methods0 = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
        int gc0 = GC.CollectionCount(0);
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        (double u0, double s0) = NativeMethods.ProcessCpu();
        long w0 = Stopwatch.GetTimestamp();
        udp.Start(batch);
        bool done = batch.Wait(deadline);
        long w1 = Stopwatch.GetTimestamp();
        (double u1, double s1) = NativeMethods.ProcessCpu();
        long alloc1 = GC.GetTotalAllocatedBytes(precise: true);
        result.JitMsDuringMeasure = (System.Runtime.JitInfo.GetCompilationTime(currentThread: false) - jit0).TotalMilliseconds;
        result.JitMethodsDuringMeasure = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - methods0;
        result.Gen0DuringMeasure = GC.CollectionCount(0) - gc0;
        if (!done)
        {
            result.TimedOut = true;
            udp.Abort();
            _ = batch.Wait(TimeSpan.FromSeconds(5));
        }

        batch.Settle();
        result.Succeeded = batch.Succeeded;
        result.Failed = batch.Failed;
        foreach (KeyValuePair<string, long> e in batch.Errors)
        {
            result.AddError(e.Key, e.Value);
        }

        result.WallSeconds = Stopwatch.GetElapsedTime(w0, w1).TotalSeconds;
        result.DatagramsPerSecond = result.Succeeded / result.WallSeconds;
        result.CpuUserSeconds = u1 - u0;
        result.CpuSysSeconds = s1 - s0;
        result.CpuUsPerDatagram = result.Succeeded > 0 ? (result.CpuUserSeconds + result.CpuSysSeconds) * 1e6 / result.Succeeded : 0;
        result.AllocatedBytes = alloc1 - alloc0;
        result.AllocatedBytesPerDatagram = result.Succeeded > 0 ? (alloc1 - alloc0) / (double)result.Succeeded : null;
        Json.Write(outPath, result);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{peer}: {result.Succeeded} pairs ok, {result.Failed} failed, {result.DatagramsPerSecond:F0} pairs/s, cpu {result.CpuUsPerDatagram:F2} us/pair, {result.AllocatedBytes} B allocated"));
        return result.Failed == 0 && result.WarmupFailed == 0 ? 0 : 1;
    }

    /// <summary>An unmeasured batch; returns its failures.</summary>
    private static long RunBatch(IUdpPeer udp, UdpBatch batch, long count, TimeSpan deadline)
    {
        batch.Reset(count, udp.Alive);
        udp.Start(batch);
        if (!batch.Wait(deadline))
        {
            udp.Abort();
            _ = batch.Wait(TimeSpan.FromSeconds(5));
        }

        batch.Settle();
        foreach (KeyValuePair<string, long> e in batch.Errors)
        {
            Console.Error.WriteLine($"udp warm-up: {e.Key} x{e.Value}");
        }

        return batch.Failed;
    }
}
