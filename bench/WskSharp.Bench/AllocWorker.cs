using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Bench;

/// <summary>Where the allocation benchmarks connect: set by the worker before BenchmarkDotNet runs (in process).</summary>
internal static class AllocTargets
{
    public static IPEndPoint Echo { get; set; } = new(IPAddress.Loopback, 0);

    public static IPEndPoint Sink { get; set; } = new(IPAddress.Loopback, 0);
}

/// <summary>
/// The operations P3 measures, on one registered client. <see cref="SendReceiveAsync"/>: WskSend of 64 B and
/// WskReceive(WSK_FLAG_WAITALL) of the 64 B echo on a connected loopback socket. <see cref="ConnectCycleAsync"/>:
/// WskSocket, TCP_FASTOPEN, WskBind, WskConnectEx carrying a 64 B request to the sink, WskReceive of its 1-byte
/// answer up to its FIN (the sink closes first, so no TIME_WAIT piles up on the client), WskCloseSocket.
/// </summary>
internal sealed class WskAllocOps : IDisposable
{
    private readonly WskSession _session = new();
    private readonly Irp _irp = new();
    private readonly Irp _cycleIrp = new();
    private readonly WskBuf _send;
    private readonly WskBuf _receive;
    private readonly WskBuf _cycleRequest;
    private readonly WskBuf _cycleAck;
    private readonly SockAddr _loopback0 = SockAddr.FromEndPoint(new IPEndPoint(IPAddress.Any, 0)); // wildcard:0, as WSK drivers bind
    private readonly SockAddr _sink;
    private WskSocket? _connected;

    public WskAllocOps()
    {
        _send = new WskBuf(new Mdl(new byte[64]));
        _receive = new WskBuf(new Mdl(new byte[64]));
        byte[] request = new byte[64];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(request, 56); // sink header: 56 more bytes
        _cycleRequest = new WskBuf(new Mdl(request));
        _cycleAck = new WskBuf(new Mdl(new byte[2]));
        _sink = SockAddr.FromEndPoint(AllocTargets.Sink);
    }

    /// <summary>Allocations per phase of the connect cycle, summed (bytes), when <see cref="TracePhases"/> is on.</summary>
    public long[] PhaseBytes { get; } = new long[6];

    public static readonly string[] PhaseNames = ["WskSocket", "TCP_FASTOPEN", "WskBind", "WskConnectEx", "WskReceive", "WskCloseSocket"];

    public bool TracePhases { get; set; }

    public void ConnectEcho()
    {
        _connected = Wait(ConnectAsync(AllocTargets.Echo));
    }

    private static T Wait<T>(ValueTask<T> t) => t.AsTask().WaitAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();

    private async ValueTask<WskSocket> ConnectAsync(IPEndPoint remote)
    {
        var irp = new Irp();
        WskProviderNpi npi = _session.Npi;
        Check(npi.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp), "WskSocket");
        var socket = (WskSocket)irp.IoStatus.Pointer!;
        var d = (WskProviderConnectionDispatch)socket.Dispatch;
        Check(d.WskBind(socket, _loopback0, 0, irp), "WskBind");
        NtStatus s = d.WskConnectEx(socket, SockAddr.FromEndPoint(remote), null, 0, irp);
        Check(s == NtStatus.Pending ? await irp : s, "WskConnectEx");
        return socket;
    }

    private static void Check(NtStatus s, string what)
    {
        if (!s.IsSuccess)
        {
            throw new InvalidOperationException($"{what}: {s}");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<NtStatus> SendReceiveAsync()
    {
        WskSocket socket = _connected!;
        var d = (WskProviderConnectionDispatch)socket.Dispatch;
        Irp irp = _irp;
        NtStatus s = d.WskSend(socket, _send, 0, irp);
        if (s == NtStatus.Pending)
        {
            s = await irp;
        }

        if (!s.IsSuccess)
        {
            return s;
        }

        s = d.WskReceive(socket, _receive, WskConstants.WSK_FLAG_WAITALL, irp);
        if (s == NtStatus.Pending)
        {
            s = await irp;
        }

        return s;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<NtStatus> ConnectCycleAsync()
    {
        Irp irp = _cycleIrp;
        WskProviderNpi npi = _session.Npi;
        long a = Mark();
        NtStatus s = npi.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);
        a = Phase(0, a);
        if (!s.IsSuccess)
        {
            return s;
        }

        var socket = (WskSocket)irp.IoStatus.Pointer!;
        var d = (WskProviderConnectionDispatch)socket.Dispatch;
        NtStatus result;
        s = WskFastOpen.Enable(socket);
        a = Phase(1, a);
        if (s.IsSuccess)
        {
            s = d.WskBind(socket, _loopback0, 0, irp);
            a = Phase(2, a);
        }

        if (s.IsSuccess)
        {
            s = d.WskConnectEx(socket, _sink, _cycleRequest, 0, irp);
            if (s == NtStatus.Pending)
            {
                s = await irp;
            }

            a = Phase(3, a);
        }

        if (s.IsSuccess)
        {
            // WAITALL for 2 bytes of a 1-byte answer: completes with 1 byte once the sink's FIN is in.
            s = d.WskReceive(socket, _cycleAck, WskConstants.WSK_FLAG_WAITALL, irp);
            if (s == NtStatus.Pending)
            {
                s = await irp;
            }

            a = Phase(4, a);
        }

        result = s;
        s = d.Basic.WskCloseSocket(socket, irp);
        if (s == NtStatus.Pending)
        {
            s = await irp;
        }

        Phase(5, a);
        return result.IsSuccess ? s : result;
    }

    private long Mark() => TracePhases ? GC.GetTotalAllocatedBytes(precise: true) : 0;

    private long Phase(int i, long since)
    {
        if (!TracePhases)
        {
            return 0;
        }

        long now = GC.GetTotalAllocatedBytes(precise: true);
        PhaseBytes[i] += now - since;
        return GC.GetTotalAllocatedBytes(precise: true);
    }

    public void Dispose()
    {
        if (_connected is { } c)
        {
            ((WskProviderConnectionDispatch)c.Dispatch).Basic.WskCloseSocket(c, new Irp());
        }

        _session.Dispose();
    }
}

/// <summary>The same two operations with .NET sockets, for context. The harness awaits through the pooling builder
/// here too, so the figures are .NET's own allocations (ConnectAsync(EndPoint) as most code calls it).</summary>
internal sealed class DotNetAllocOps : IDisposable
{
    private readonly byte[] _send = new byte[64];
    private readonly byte[] _receive = new byte[64];
    private readonly byte[] _cycleRequest = new byte[64];
    private readonly byte[] _ack = new byte[2];
    private Socket? _connected;

    public DotNetAllocOps() => System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(_cycleRequest, 56);

    public void ConnectEcho()
    {
        _connected = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _connected.Connect(AllocTargets.Echo);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> SendReceiveAsync()
    {
        Socket s = _connected!;
        await s.SendAsync(_send, SocketFlags.None);
        int got = 0;
        while (got < _receive.Length)
        {
            int n = await s.ReceiveAsync(_receive.AsMemory(got), SocketFlags.None);
            if (n == 0)
            {
                return -1;
            }

            got += n;
        }

        return got;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ConnectCycleAsync()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(AllocTargets.Sink);
        await s.SendAsync(_cycleRequest, SocketFlags.None);
        int got = 0;
        while (true)
        {
            int n = await s.ReceiveAsync(_ack.AsMemory(got), SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            got += n;
        }

        return got;
    }

    public void Dispose() => _connected?.Dispose();
}

/// <summary>BenchmarkDotNet view of the WskSharp operations (MemoryDiagnoser: allocated bytes per operation).</summary>
public class WskAllocationBenchmarks
{
    private WskAllocOps? _ops;

    [GlobalSetup]
    public void Setup()
    {
        _ops = new WskAllocOps();
        _ops.ConnectEcho();
    }

    [GlobalCleanup]
    public void Cleanup() => _ops?.Dispose();

    [Benchmark(Description = "WskSend 64 B + WskReceive 64 B (WAITALL), connected loopback socket")]
    public ValueTask<NtStatus> SendReceive64() => _ops!.SendReceiveAsync();

    [Benchmark(Description = "WskSocket+TCP_FASTOPEN+WskBind+WskConnectEx(64 B)+WskReceive(to FIN)+WskCloseSocket")]
    public ValueTask<NtStatus> ConnectCycle() => _ops!.ConnectCycleAsync();
}

/// <summary>The P3 worker: direct measurements (GC.GetTotalAllocatedBytes over N operations, all threads) and then
/// BenchmarkDotNet with MemoryDiagnoser, in process, against an echo server and the sink on loopback.</summary>
internal static class AllocWorker
{
    public static int Run(Options o)
    {
        AllocTargets.Echo = new IPEndPoint(IPAddress.Loopback, o.Int("echo-port", 0));
        AllocTargets.Sink = new IPEndPoint(IPAddress.Loopback, o.Int("sink-port", 0));
        bool quick = o.Flag("quick");
        string outPath = o.Require("out");
        var result = new AllocResult();

        int n = quick ? 20_000 : 100_000;
        int cycles = quick ? 2_000 : 10_000;
        using (var ops = new WskAllocOps())
        {
            ops.ConnectEcho();
            result.Direct.Add(Direct("wsk: WskSend 64 B + WskReceive 64 B (WAITALL)", n, () => ops.SendReceiveAsync(), s => s.IsSuccess));
            result.Direct.Add(Direct("wsk: connect cycle (WskSocket+TCP_FASTOPEN+WskBind+WskConnectEx+WskReceive+WskCloseSocket)", cycles,
                () => ops.ConnectCycleAsync(), s => s.IsSuccess));
            Array.Clear(ops.PhaseBytes);
            ops.TracePhases = true;
            AllocFigure traced = Direct("(phases)", cycles, () => ops.ConnectCycleAsync(), s => s.IsSuccess, warm: false);
            ops.TracePhases = false;
            long socketBindConnectClose = 0;
            for (int i = 0; i < WskAllocOps.PhaseNames.Length; i++)
            {
                double perOp = (double)ops.PhaseBytes[i] / traced.Operations;
                result.Direct.Add(new AllocFigure { Name = $"wsk: {WskAllocOps.PhaseNames[i]} alone (phase of the cycle)", BytesPerOp = perOp, Operations = traced.Operations });
                if (i != 4)
                {
                    socketBindConnectClose += ops.PhaseBytes[i];
                }
            }

            result.Direct.Add(new AllocFigure
            {
                Name = "wsk: WskSocket+TCP_FASTOPEN+WskBind+WskConnectEx+WskCloseSocket (cycle without the receive)",
                BytesPerOp = (double)socketBindConnectClose / traced.Operations,
                Operations = traced.Operations,
            });
        }

        using (var net = new DotNetAllocOps())
        {
            net.ConnectEcho();
            result.Direct.Add(Direct(".NET: SendAsync 64 B + ReceiveAsync 64 B, connected loopback socket", n, () => net.SendReceiveAsync(), r => r == 64));
            result.Direct.Add(Direct(".NET: connect cycle (new Socket+ConnectAsync+SendAsync+ReceiveAsync to FIN+Dispose)", cycles,
                () => net.ConnectCycleAsync(), r => r == 1));
        }

        Json.Write(outPath, result);
        if (!o.Flag("no-bdn"))
        {
            RunBenchmarkDotNet(o, quick, result);
            Json.Write(outPath, result);
        }

        return 0;
    }

    /// <summary>Allocated bytes per operation over <paramref name="count"/> operations, driven by one pooled async
    /// loop so the harness itself allocates nothing per operation.</summary>
    private static AllocFigure Direct<T>(string name, int count, Func<ValueTask<T>> op, Func<T, bool> ok, bool warm = true)
    {
        long failed = 0;
        if (warm)
        {
            Drive(Math.Max(count / 10, 100), op, ok, ref failed);
            failed = 0;
        }

        GC.Collect();
        long a0 = GC.GetTotalAllocatedBytes(precise: true);
        long t0 = Stopwatch.GetTimestamp();
        Drive(count, op, ok, ref failed);
        long t1 = Stopwatch.GetTimestamp();
        long a1 = GC.GetTotalAllocatedBytes(precise: true);
        var f = new AllocFigure
        {
            Name = name,
            BytesPerOp = (double)(a1 - a0) / count,
            MeanNs = Stopwatch.GetElapsedTime(t0, t1).TotalNanoseconds / count,
            Operations = count,
            Failed = failed,
        };
        Console.Out.WriteLine($"direct: {name}: {f.BytesPerOp:F1} B/op, {f.MeanNs:F0} ns/op, {failed} failed");
        return f;
    }

    private static void Drive<T>(int count, Func<ValueTask<T>> op, Func<T, bool> ok, ref long failed)
    {
        var box = new StrongBox<long>();
        Loop(count, op, ok, box).AsTask().WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
        failed += box.Value;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask Loop<T>(int count, Func<ValueTask<T>> op, Func<T, bool> ok, StrongBox<long> failed)
    {
        for (int i = 0; i < count; i++)
        {
            if (!ok(await op()))
            {
                failed.Value++;
            }
        }
    }

    private static void RunBenchmarkDotNet(Options o, bool quick, AllocResult result)
    {
        string artifacts = o.Get("bdn-artifacts", Path.Combine(Path.GetTempPath(), "wsksharp-bdn"));
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            Job job = Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(quick ? 2 : 4)
                .WithIterationCount(quick ? 4 : 12)
                .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(quick ? 250 : 500))
                .WithId(quick ? "quick" : "full");
            IConfig config = ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddLogger(ConsoleLogger.Default)
                .AddExporter(MarkdownExporter.GitHub)
                .WithArtifactsPath(artifacts)
                .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
            Summary summary = BenchmarkRunner.Run<WskAllocationBenchmarks>(config);
            foreach (BenchmarkReport report in summary.Reports)
            {
                result.BenchmarkDotNet.Add(new AllocFigure
                {
                    Name = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo,
                    BytesPerOp = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? double.NaN,
                    MeanNs = report.ResultStatistics?.Mean,
                    Operations = report.GcStats.TotalOperations,
                    Note = report.Success ? null : "benchmark failed",
                });
            }

            string? md = Directory.Exists(Path.Combine(artifacts, "results"))
                ? Directory.GetFiles(Path.Combine(artifacts, "results"), "*-report-github.md").FirstOrDefault()
                : null;
            result.BenchmarkDotNetReport = md is null ? null : File.ReadAllText(md);
        }
        catch (Exception ex)
        {
            result.BenchmarkDotNetError = ex.ToString();
        }

        result.BenchmarkDotNetSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
