using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace WskSharp.Bench;

/// <summary>
/// A client worker process: run by the orchestrator inside a network namespace (<c>ip netns exec</c>), like the native
/// C client, so that every peer is one process whose CPU time (getrusage) covers only its own client work. It writes
/// one <see cref="PeerRun"/> as JSON to <c>--out</c>.
/// </summary>
internal static class Worker
{
    public static int Run(Options o)
    {
        string kind = o.Positional.Count > 1 ? o.Positional[1] : throw new ArgumentException("worker: conn|bulk|alloc|p4|udp");
        return kind switch
        {
            "conn" => Conn(o),
            "bulk" => Bulk(o),
            "alloc" => AllocWorker.Run(o),
            "p4" => P4Worker.Run(o),
            "udp" => UdpWorker.Run(o),
            _ => throw new ArgumentException($"worker: unknown kind {kind}"),
        };
    }

    private interface IConnector
    {
        long StartedAt { get; }

        void CancelCurrent();

        ValueTask<ConnOutcome> RunOnceAsync();
    }

    private sealed class WskAdapter(WskConnector c) : IConnector
    {
        public long StartedAt => c.StartedAt;

        public void CancelCurrent() => c.CancelCurrent();

        public ValueTask<ConnOutcome> RunOnceAsync() => c.RunOnceAsync();
    }

    private sealed class WskDriverAdapter(WskDriverConnector c) : IConnector
    {
        public long StartedAt => c.StartedAt;

        public void CancelCurrent() => c.CancelCurrent();

        public ValueTask<ConnOutcome> RunOnceAsync() => c.RunOnceAsync();
    }

    private sealed class DotNetAdapter(DotNetConnector c) : IConnector
    {
        public long StartedAt => c.StartedAt;

        public void CancelCurrent() => c.CancelCurrent();

        public ValueTask<ConnOutcome> RunOnceAsync() => c.RunOnceAsync();
    }

    /// <summary>Request/response connections (P1 with --concurrency 1 and samples, P2 with --concurrency N).</summary>
    private static int Conn(Options o)
    {
        string peer = o.Require("peer");
        var remote = new IPEndPoint(IPAddress.Parse(o.Require("addr")), o.Int("port", 0));
        IPAddress local = IPAddress.Parse(o.Get("local", "0.0.0.0"));
        long count = o.Long("count", 100);
        int concurrency = Math.Max(1, o.Int("concurrency", 1));
        int warmupSequential = o.Int("warmup", 3);
        int warmupConcurrent = o.Int("warmup-concurrent", 0);
        int requestBytes = o.Int("request-bytes", 64);
        int replyBytes = o.Int("reply-bytes", requestBytes);
        bool samples = o.Flag("samples");
        var timeout = TimeSpan.FromMilliseconds(o.Int("timeout-ms", 10_000));
        var deadline = TimeSpan.FromSeconds(o.Int("deadline-s", 120));
        string outPath = o.Require("out");

        byte[] request = new byte[requestBytes];
        for (int i = 0; i < request.Length; i++)
        {
            request[i] = (byte)('A' + (i % 26));
        }

        // "wsk-tfo-loopsN" is wsk-tfo on a registration with N event loops; --loops N sets it for any wsk peer.
        string shape = peer;
        int? loops = o.Get("loops") is { } l ? int.Parse(l, CultureInfo.InvariantCulture) : null;
        if (peer.LastIndexOf("-loops", StringComparison.Ordinal) is > 0 and int at)
        {
            loops = int.Parse(peer.AsSpan(at + "-loops".Length), CultureInfo.InvariantCulture);
            shape = peer[..at];
        }

        using WskSession? session = peer.StartsWith("wsk", StringComparison.Ordinal)
            ? new WskSession(completeOnEventLoop: shape.EndsWith("-el", StringComparison.Ordinal), fastOpenMemoryFile: o.Get("tfo-memory-file"), eventLoops: loops)
            : null;
        IConnector Make() => shape switch
        {
            "wsk-tfo" => new WskDriverAdapter(new WskDriverConnector(session!.Npi, new WskExchange(local, remote, request, replyBytes, fastOpen: true))),
            "wsk-tfo-await" or "wsk-tfo-el" => new WskAdapter(new WskConnector(session!.Npi, new WskExchange(local, remote, request, replyBytes, fastOpen: true))),
            "wsk" => new WskAdapter(new WskConnector(session!.Npi, new WskExchange(local, remote, request, replyBytes, fastOpen: false))),
            "dotnet" => new DotNetAdapter(new DotNetConnector(remote, request, replyBytes, DotNetShape.ConnectThenSend)),
            "dotnet-fo" => new DotNetAdapter(new DotNetConnector(remote, request, replyBytes, DotNetShape.ConnectThenSendFastOpen)),
            "dotnet-saea-fo" => new DotNetAdapter(new DotNetConnector(remote, request, replyBytes, DotNetShape.SaeaWithBufferFastOpen)),
            _ => throw new ArgumentException($"unknown peer {peer}"),
        };

        var connectors = new IConnector[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            connectors[i] = Make();
        }

        var result = new PeerRun { Peer = peer, Phase = o.Get("phase", "conn"), Round = o.Int("round", 0), Count = count };
        using var watchdog = new Watchdog(connectors, timeout);

        // Warm-up, not measured: sequential connections fetch the Fast Open cookie and JIT the path; a concurrent
        // burst (P2) lets tiered compilation settle before the measured phase.
        for (int i = 0; i < warmupSequential; i++)
        {
            ConnOutcome w = connectors[0].RunOnceAsync().AsTask().GetAwaiter().GetResult();
            if (!w.Ok)
            {
                result.WarmupFailed++;
                Console.Error.WriteLine($"worker {peer}: warm-up connection failed at {w.FailedAt}: {w.Error}");
            }
            else if (w.SynData > 0)
            {
                result.WarmupSynDataAcked++;
            }
        }

        if (warmupConcurrent > 0)
        {
            // A burst, then short bursts until tiered compilation has settled (no method compiled during two pauses and
            // bursts in a row: one quiet burst can come before the tiering delay has promoted what it counted), at most 8
            // of them (the port budget: see the P2 notes in bench/README.md): the measured phase should run steady-state
            // code, as the C client does.
            var warm = new Measure(connectors, warmupConcurrent, false, TimeSpan.FromSeconds(30));
            warm.RunAll();
            result.WarmupFailed += warm.Failed;
            for (int i = 0, quiet = 0; i < 8 && quiet < 2; i++)
            {
                long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
                Thread.Sleep(200);
                var more = new Measure(connectors, Math.Max(warmupConcurrent / 4, concurrency), false, TimeSpan.FromSeconds(30));
                more.RunAll();
                result.WarmupFailed += more.Failed;
                result.WarmupBursts++;
                quiet = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) == before ? quiet + 1 : 0;
            }
        }

        var measure = new Measure(connectors, count, samples, deadline);
        // Called once now so that their compilation stays out of the measured phase (its JIT time and CPU).
        _ = NativeMethods.ProcessCpu();
        _ = NativeMethods.ProcessCounts();
        _ = ThreadPool.CompletedWorkItemCount;
        bool threadCpu = o.Flag("thread-cpu"); // Reading /proc per thread has a cost of its own (and JIT): on request only.
        TimeSpan jit0 = System.Runtime.JitInfo.GetCompilationTime(currentThread: false);
        long methods0 = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
        int gc0 = GC.CollectionCount(0);
        Dictionary<int, (string Name, long Ns)>? threads0 = threadCpu ? ThreadCpu.Snapshot() : null;
        (long f0, long v0, long i0) = NativeMethods.ProcessCounts();
        long tp0 = ThreadPool.CompletedWorkItemCount;
        (double u0, double s0) = NativeMethods.ProcessCpu();
        long w0 = Stopwatch.GetTimestamp();
        measure.RunAll();
        long w1 = Stopwatch.GetTimestamp();
        (double u1, double s1) = NativeMethods.ProcessCpu();
        (long f1, long v1, long i1) = NativeMethods.ProcessCounts();
        long tp1 = ThreadPool.CompletedWorkItemCount;
        Dictionary<int, (string Name, long Ns)>? threads1 = threadCpu ? ThreadCpu.Snapshot() : null;
        result.JitMsDuringMeasure = (System.Runtime.JitInfo.GetCompilationTime(currentThread: false) - jit0).TotalMilliseconds;
        result.JitMethodsDuringMeasure = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - methods0;
        result.Gen0DuringMeasure = GC.CollectionCount(0) - gc0;

        result.Succeeded = measure.Succeeded;
        result.Failed = measure.Failed + (count - measure.Succeeded - measure.Failed);
        result.TimedOut = measure.DeadlineHit;
        foreach (KeyValuePair<string, long> e in measure.Errors)
        {
            result.AddError(e.Key, e.Value);
        }

        if (measure.DeadlineHit)
        {
            result.AddError("deadline", count - measure.Succeeded - measure.Failed);
        }

        result.WallSeconds = Stopwatch.GetElapsedTime(w0, w1).TotalSeconds;
        result.ConnectionsPerSecond = result.Succeeded / result.WallSeconds;
        result.CpuUserSeconds = u1 - u0;
        result.CpuSysSeconds = s1 - s0;
        result.CpuUsPerConnection = result.Succeeded > 0 ? (result.CpuUserSeconds + result.CpuSysSeconds) * 1e6 / result.Succeeded : 0;
        long measured = Math.Max(1, result.Succeeded);
        result.MinorFaultsPerConnection = (double)(f1 - f0) / measured;
        result.ContextSwitchesPerConnection = (double)(v1 - v0 + i1 - i0) / measured;
        result.ThreadCpuUsPerConnection = threads0 is null ? null : ThreadCpu.PerConnection(threads0, threads1!, measured);
        result.ThreadPoolItemsDuringMeasure = tp1 - tp0;
        result.SynDataAcked = measure.SynDataAcked;
        result.TfoChecked = measure.TfoChecked;
        result.FastOpenFailReasons = measure.FailReasons;
        if (samples)
        {
            result.TtfbUs = measure.Samples();
        }

        Json.Write(outPath, result);
        return result.Failed == 0 && result.WarmupFailed == 0 ? 0 : 1;
    }

    /// <summary>Runs <c>count</c> connections over all connectors, each connector one connection at a time.</summary>
    private sealed class Measure(IConnector[] connectors, long count, bool samples, TimeSpan deadline)
    {
        private readonly Lock _lock = new();
        private readonly double[] _ttfb = samples ? new double[count] : [];
        private long _ticket;
        private long _ok;
        private long _failed;
        private long _synAcked;
        private long _checked;
        private long _deadlineAt;

        public Dictionary<string, long> Errors { get; } = [];

        public Dictionary<string, long> FailReasons { get; } = [];

        public long Succeeded => Interlocked.Read(ref _ok);

        public long Failed => Interlocked.Read(ref _failed);

        public long SynDataAcked => Interlocked.Read(ref _synAcked);

        public long TfoChecked => Interlocked.Read(ref _checked);

        public bool DeadlineHit { get; private set; }

        public double[] Samples() => _ttfb[..(int)Math.Min(_ok, _ttfb.Length)];

        public void RunAll()
        {
            _deadlineAt = Stopwatch.GetTimestamp() + (long)(deadline.TotalSeconds * Stopwatch.Frequency);
            var loops = new Task[connectors.Length];
            for (int i = 0; i < loops.Length; i++)
            {
                loops[i] = LoopAsync(connectors[i]);
            }

            Task.WaitAll(loops);
        }

        private async Task LoopAsync(IConnector c)
        {
            // No hop to the thread pool first: each loop runs on the starting thread until its first connection waits, then
            // goes on wherever that completes (the event loop). A Task.Yield here cost 16 thread-pool work items per
            // measured batch, and a pool worker spinning after each (about 0.1 µs per connection; the C client has none).
            while (Interlocked.Increment(ref _ticket) <= count)
            {
                if (Stopwatch.GetTimestamp() > _deadlineAt)
                {
                    DeadlineHit = true;
                    return;
                }

                ConnOutcome r = await c.RunOnceAsync();
                if (r.Ok)
                {
                    long i = Interlocked.Increment(ref _ok) - 1;
                    if (samples && i < _ttfb.Length)
                    {
                        _ttfb[i] = r.TtfbTicks * 1e6 / Stopwatch.Frequency;
                    }

                    if (r.SynData >= 0)
                    {
                        Interlocked.Increment(ref _checked);
                        if (r.SynData > 0)
                        {
                            Interlocked.Increment(ref _synAcked);
                        }
                        else if (r.FailReason is { } reason)
                        {
                            lock (_lock)
                            {
                                FailReasons[reason] = FailReasons.GetValueOrDefault(reason) + 1;
                            }
                        }
                    }
                }
                else
                {
                    Interlocked.Increment(ref _failed);
                    string key = $"{r.FailedAt.ToString().ToLowerInvariant()}: {r.Error}";
                    lock (_lock)
                    {
                        Errors[key] = Errors.GetValueOrDefault(key) + 1;
                    }
                }
            }
        }
    }

    /// <summary>Cancels a connection that has been running longer than the timeout (counted as a failure).</summary>
    private sealed class Watchdog : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        public Watchdog(IConnector[] connectors, TimeSpan timeout)
        {
            long limit = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            _thread = new Thread(() =>
            {
                while (!_stop.Token.WaitHandle.WaitOne(200))
                {
                    long now = Stopwatch.GetTimestamp();
                    foreach (IConnector c in connectors)
                    {
                        long started = c.StartedAt;
                        if (started != 0 && now - started > limit)
                        {
                            c.CancelCurrent();
                        }
                    }
                }
            })
            { IsBackground = true, Name = "watchdog" };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
        }
    }

    /// <summary>P5: one bulk transfer to the sink, timed from the first chunk to the sink's 1-byte acknowledgement.</summary>
    private static int Bulk(Options o)
    {
        string peer = o.Require("peer");
        var remote = new IPEndPoint(IPAddress.Parse(o.Get("addr", "127.0.0.1")), o.Int("port", 0));
        long bytes = o.Long("bytes", 256L << 20);
        int chunk = o.Int("chunk", 64 * 1024);
        string outPath = o.Require("out");
        var result = new PeerRun { Peer = peer, Phase = "p5", Round = o.Int("round", 0), Count = 1, ChunkBytes = chunk };
        using WskSession? session = peer == "wsk" ? new WskSession() : null;

        // Warm-up: a small transfer JITs the send path.
        _ = Transfer(peer, session, remote, Math.Min(bytes, 32L << 20), chunk);
        (double u0, double s0) = NativeMethods.ProcessCpu();
        (long ticks, string? error) = Transfer(peer, session, remote, bytes, chunk);
        (double u1, double s1) = NativeMethods.ProcessCpu();
        result.CpuUserSeconds = u1 - u0;
        result.CpuSysSeconds = s1 - s0;
        if (error is not null)
        {
            result.Failed = 1;
            result.AddError(error);
        }
        else
        {
            result.Succeeded = 1;
            result.Bytes = bytes;
            result.WallSeconds = (double)ticks / Stopwatch.Frequency;
            result.BytesPerSecond = bytes / result.WallSeconds;
        }

        Json.Write(outPath, result);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{peer}: {bytes} B in {result.WallSeconds:F3} s = {result.BytesPerSecond / (1 << 20):F0} MiB/s {error}"));
        return error is null ? 0 : 1;
    }

    private static (long Ticks, string? Error) Transfer(string peer, WskSession? session, IPEndPoint remote, long bytes, int chunk)
    {
        Task<(long, string?)> t = peer switch
        {
            "wsk" => WskBulk.SendAsync(session!.Npi, remote, bytes, chunk).AsTask(),
            "dotnet" => DotNetBulk.SendAsync(remote, bytes, chunk).AsTask(),
            _ => throw new ArgumentException($"unknown bulk peer {peer}"),
        };
        return t.WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
    }
}
