using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Bench;

/// <summary>What one P4 worker reports: N connections opened and held at once, memory and descriptors around them.</summary>
public sealed class P4Result
{
    public string Peer { get; set; } = "";
    public long Count { get; set; }
    public int Concurrency { get; set; }
    public int Addresses { get; set; }
    public int RequestBytes { get; set; }
    /// <summary>Connections open (request echoed) at the same time when memory was measured.</summary>
    public long Held { get; set; }
    public long OpenFailed { get; set; }
    public long CloseFailed { get; set; }
    public Dictionary<string, long> Errors { get; set; } = [];
    public double OpenSeconds { get; set; }
    public double CloseSeconds { get; set; }
    public double OpenCpuSeconds { get; set; }
    /// <summary>GC.GetTotalMemory(forceFullCollection: true) before opening (after warm-up), with all held, after close.</summary>
    public long ManagedBefore { get; set; }
    public long ManagedHeld { get; set; }
    public long ManagedAfter { get; set; }
    /// <summary>GCMemoryInfo.HeapSizeBytes after a full blocking compacting collection (fragmentation included).</summary>
    public long HeapBefore { get; set; }
    public long HeapHeld { get; set; }
    /// <summary>VmRSS of the process (managed heap, native memory, code): the second figure.</summary>
    public long RssBefore { get; set; }
    public long RssHeld { get; set; }
    public long RssAfter { get; set; }
    /// <summary>Open descriptors (/proc/self/fd) before, with all held, right after the last close completed, and
    /// after a full GC and up to 3 s more (finalizers, deferred closes).</summary>
    public int FdsBefore { get; set; }
    public int FdsHeld { get; set; }
    public int FdsAfterClose { get; set; }
    public int FdsAfter { get; set; }
    /// <summary>Of those, sockets.</summary>
    public int SocketsBefore { get; set; }
    public int SocketsHeld { get; set; }
    public int SocketsAfter { get; set; }
    public double ManagedBytesPerConnection { get; set; }
    public double HeapBytesPerConnection { get; set; }
    public double RssBytesPerConnection { get; set; }
    public string? Note { get; set; }
    public long NoFileLimit { get; set; }
    public bool TimedOut { get; set; }

    public void AddError(string what)
    {
        lock (Errors)
        {
            Errors[what] = Errors.GetValueOrDefault(what) + 1;
        }
    }
}

/// <summary>
/// P4, the scale figure (issue 16): one process opens <c>--count</c> connections, each with a small request that the
/// server echoes, at most <c>--concurrency</c> being opened at a time, spread over several server addresses (one
/// 4-tuple space of ephemeral ports per address), holds them all, measures managed memory, RSS and descriptors, then
/// closes them all. <c>--peer wsk</c>: WskSocket, WskBind (wildcard, port 0), WskConnectEx with the request,
/// WskReceive of the echo, as a driver writes it (the next call issued from the IRP's completion routine);
/// <c>--peer dotnet</c>: new Socket, ConnectAsync, SendAsync, ReceiveAsync.
/// </summary>
internal static class P4Worker
{
    public static int Run(Options o)
    {
        string peer = o.Require("peer");
        int port = o.Int("port", 0);
        IPEndPoint[] remotes = [.. o.Require("addrs").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(a => new IPEndPoint(IPAddress.Parse(a), port))];
        int count = o.Int("count", 100_000);
        int concurrency = Math.Max(1, o.Int("concurrency", 512));
        int requestBytes = o.Int("request-bytes", 32);
        var deadline = TimeSpan.FromSeconds(o.Int("deadline-s", 120));
        string outPath = o.Require("out");

        var result = new P4Result { Peer = peer, Count = count, Concurrency = concurrency, Addresses = remotes.Length, RequestBytes = requestBytes };
        // Every connection is a descriptor (and the server's are in another process): raise the soft and hard limits of
        // this process only (root may raise the hard one).
        result.NoFileLimit = NativeMethods.RaiseNoFile(count + 4096);
        byte[] request = new byte[requestBytes];
        for (int i = 0; i < request.Length; i++)
        {
            request[i] = (byte)('a' + (i % 26));
        }

        using WskSession? session = peer == "wsk" ? new WskSession() : null;
        IHolder holder = peer switch
        {
            "wsk" => new WskHolder(session!.Npi, remotes, request, concurrency),
            "dotnet" => new DotNetHolder(remotes, request, concurrency),
            _ => throw new ArgumentException($"p4: unknown peer {peer}"),
        };

        // Warm-up (not measured): the same open and close path JITs the code and starts the event loop, thread pool
        // threads and pools, so the baseline holds every fixed cost and the delta only what connections hold.
        int warm = Math.Min(2 * concurrency, count);
        holder.Prepare(warm);
        (long wOk, _) = holder.OpenAll(warm, deadline);
        holder.CloseAll(deadline);
        if (wOk != warm)
        {
            Console.Error.WriteLine($"p4 {peer}: warm-up opened {wOk} of {warm}");
        }

        // The measuring code itself runs once before the baseline: its first use loads assemblies, each an open descriptor.
        _ = NativeMethods.ProcessCpu();
        _ = Managed();
        _ = (Rss(), Fds(), FdKinds(), Diff([], []), Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp()));
        holder.Prepare(count); // the array of N references is allocated before the baseline: it is the bench's, not the peer's
        (result.ManagedBefore, result.HeapBefore) = Managed();
        result.RssBefore = Rss();
        result.FdsBefore = Fds();
        Dictionary<string, int> kindsBefore = FdKinds();
        result.SocketsBefore = kindsBefore.GetValueOrDefault("socket");

        (double u0, double s0) = NativeMethods.ProcessCpu();
        long t0 = Stopwatch.GetTimestamp();
        (long opened, bool timedOut) = holder.OpenAll(count, deadline);
        result.OpenSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        (double u1, double s1) = NativeMethods.ProcessCpu();
        result.OpenCpuSeconds = u1 - u0 + (s1 - s0);
        result.Held = opened;
        result.OpenFailed = count - opened;
        result.TimedOut = timedOut;

        (result.ManagedHeld, result.HeapHeld) = Managed();
        result.RssHeld = Rss();
        result.FdsHeld = Fds();
        result.SocketsHeld = FdKinds().GetValueOrDefault("socket");
        if (opened > 0)
        {
            result.ManagedBytesPerConnection = (result.ManagedHeld - result.ManagedBefore) / (double)opened;
            result.HeapBytesPerConnection = (result.HeapHeld - result.HeapBefore) / (double)opened;
            result.RssBytesPerConnection = (result.RssHeld - result.RssBefore) / (double)opened;
        }

        if (o.Get("histogram") is { } histogramPath)
        {
            // A pause with everything held, for a heap dump from outside (dotnet-gcdump) when asked.
            File.WriteAllText(histogramPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Thread.Sleep(TimeSpan.FromSeconds(o.Int("hold-s", 20)));
        }

        t0 = Stopwatch.GetTimestamp();
        result.CloseFailed = holder.CloseAll(deadline);
        result.CloseSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        result.FdsAfterClose = Fds();
        (result.ManagedAfter, _) = Managed();
        for (int i = 0; i < 30 && (result.FdsAfter = Fds()) > result.FdsBefore; i++)
        {
            Thread.Sleep(100);
        }

        result.RssAfter = Rss();
        result.SocketsAfter = FdKinds().GetValueOrDefault("socket");
        if (result.FdsAfter != result.FdsBefore)
        {
            result.Note = "descriptors that differ from the baseline: " + Diff(kindsBefore, FdKinds());
        }
        foreach (KeyValuePair<string, long> e in holder.Errors)
        {
            result.Errors[e.Key] = e.Value;
        }

        Json.Write(outPath, result);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"p4 {peer}: held {opened}/{count} in {result.OpenSeconds:F1} s, managed {result.ManagedBytesPerConnection:F0} B/conn, heap {result.HeapBytesPerConnection:F0} B/conn, RSS {result.RssBytesPerConnection:F0} B/conn, fds {result.FdsBefore}/{result.FdsHeld}/{result.FdsAfter} (sockets {result.SocketsBefore}/{result.SocketsHeld}/{result.SocketsAfter}), close failed {result.CloseFailed}"));
        return result.OpenFailed == 0 && result.CloseFailed == 0 ? 0 : 1;
    }

    private static (long Total, long Heap) Managed()
    {
        // Twice, so objects whose finalizers ran in the first pass are gone in the second.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long total = GC.GetTotalMemory(forceFullCollection: true);
        return (total, GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes);
    }

    private static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static int Fds() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    /// <summary>What the open descriptors are, by kind (socket, anon_inode:[eventpoll], pipe, a file): to name leftovers.</summary>
    private static Dictionary<string, int> FdKinds()
    {
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string fd in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            string kind;
            try
            {
                kind = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                continue; // closed while listing (the listing's own descriptor)
            }

            int bracket = kind.IndexOf(":[", StringComparison.Ordinal);
            kind = bracket > 0 && !kind.StartsWith("anon_inode", StringComparison.Ordinal) ? kind[..bracket] : kind;
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }

        return kinds;
    }

    private static string Diff(Dictionary<string, int> before, Dictionary<string, int> after) => string.Join(", ",
        after.Where(kv => kv.Value != before.GetValueOrDefault(kv.Key)).Select(kv => $"{kv.Key} {before.GetValueOrDefault(kv.Key)} -> {kv.Value}"));

    private interface IHolder
    {
        IReadOnlyDictionary<string, long> Errors { get; }

        /// <summary>Allocates the slots that will hold <paramref name="count"/> connections.</summary>
        void Prepare(int count);

        /// <summary>Opens connections 0..count-1 (request sent, echo received) and keeps them; returns how many are held.</summary>
        (long Opened, bool TimedOut) OpenAll(int count, TimeSpan deadline);

        /// <summary>Closes every held connection; returns the number of closes that failed.</summary>
        long CloseAll(TimeSpan deadline);
    }

    // --- WskSharp ----------------------------------------------------------------------------------------------------

    /// <summary>Holds WskSocket references only (8 B each, in an array allocated before the baseline).</summary>
    private sealed class WskHolder(WskProviderNpi npi, IPEndPoint[] remotes, byte[] request, int concurrency) : IHolder
    {
        private readonly SockAddr[] _remotes = [.. remotes.Select(SockAddr.FromEndPoint)];
        private readonly WskBuf _request = new(new Mdl(request)); // shared: WskConnectEx only reads it
        private readonly SockAddr _wildcard = SockAddr.FromEndPoint(new IPEndPoint(IPAddress.Any, 0));
        private readonly Dictionary<string, long> _errors = [];
        private WskSocket?[] _sockets = [];
        private int _count;
        private int _next;
        private int _opened;
        private int _closeFailed;
        private CountdownEvent? _done;

        public IReadOnlyDictionary<string, long> Errors => _errors;

        public WskProviderNpi Npi => npi;

        public void Prepare(int count) => _sockets = new WskSocket?[count];

        public (long Opened, bool TimedOut) OpenAll(int count, TimeSpan deadline)
        {
            _count = count;
            _next = 0;
            _opened = 0;
            bool ok = RunSlots(count, closing: false, deadline);
            return (Volatile.Read(ref _opened), !ok);
        }

        public long CloseAll(TimeSpan deadline)
        {
            _next = 0;
            _closeFailed = 0;
            bool ok = RunSlots(_count, closing: true, deadline);
            return ok ? Volatile.Read(ref _closeFailed) : _count;
        }

        private bool RunSlots(int count, bool closing, TimeSpan deadline)
        {
            int slots = Math.Max(1, Math.Min(concurrency, count));
            using var done = new CountdownEvent(slots);
            _done = done;
            for (int i = 0; i < slots; i++)
            {
                // Slots are a few hundred objects per run: their IRPs and reply buffers are reused across connections.
                new WskSlot(this, closing).Start();
            }

            bool finished = done.Wait(deadline);
            _done = null;
            return finished;
        }

        /// <summary>The next connection index, or -1 when all are taken.</summary>
        internal int Take()
        {
            int i = Interlocked.Increment(ref _next) - 1;
            return i < _count ? i : -1;
        }

        internal SockAddr Remote(int i) => _remotes[i % _remotes.Length];

        internal WskBuf Request => _request;

        internal int RequestLength => request.Length;

        /// <summary>0.0.0.0:0, as WSK drivers usually bind: WskSharp defers it to the connect, so the port is picked per
        /// 4-tuple and every server address has its own range of ephemeral ports.</summary>
        internal ref readonly SockAddr Wildcard => ref _wildcard;

        internal void Held(int i, WskSocket socket)
        {
            _sockets[i] = socket;
            Interlocked.Increment(ref _opened);
        }

        internal WskSocket? TakeSocket(int i)
        {
            WskSocket? s = _sockets[i];
            _sockets[i] = null;
            return s;
        }

        internal void CloseFailed(string error)
        {
            Interlocked.Increment(ref _closeFailed);
            Error("close: " + error);
        }

        internal void Error(string what)
        {
            lock (_errors)
            {
                _errors[what] = _errors.GetValueOrDefault(what) + 1;
            }
        }

        internal void SlotDone() => _done!.Signal();
    }

    /// <summary>
    /// One in-flight connection at a time, driven from its IRP's completion routine. A call may complete before it
    /// returns (the routine then runs inline): the gate makes whichever of the issuer and the routine comes second carry
    /// on, so a long run of inline completions loops instead of recursing.
    /// </summary>
    private sealed class WskSlot
    {
        private enum Step
        {
            Socket,
            Bind,
            Connect,
            Receive,
            CloseFailed,
            Close,
        }

        private readonly WskHolder _holder;
        private readonly bool _closing;
        private readonly Irp _irp = new();
        private readonly byte[] _reply;
        private readonly Mdl _replyMdl;
        private Step _step;
        private int _index;
        private int _got;
        private int _gate;
        private WskSocket? _socket;

        public WskSlot(WskHolder holder, bool closing)
        {
            _holder = holder;
            _closing = closing;
            _reply = new byte[Math.Max(holder.RequestLength, 1)];
            _replyMdl = new Mdl(_reply);
            _irp.SetCompletionRoutine(static (irp, context) => ((WskSlot)context!).OnCompleted(), this);
        }

        public void Start()
        {
            if (Next())
            {
                Drive();
            }
        }

        private NtStatus OnCompleted()
        {
            if (Interlocked.Exchange(ref _gate, 1) == 1)
            {
                Drive(); // the issuer has returned: carry on here, on the event loop
            }

            return NtStatus.MoreProcessingRequired;
        }

        /// <summary>While calls complete before they return, handle each result and issue the next call.</summary>
        private void Drive()
        {
            while (Advance())
            {
            }
        }

        /// <summary>Issues a call with the gate armed; true if its routine already ran (the caller carries on).</summary>
        private bool Issued(Func<WskSlot, Irp, NtStatus> call)
        {
            Volatile.Write(ref _gate, 0);
            _ = call(this, _irp);
            return Interlocked.Exchange(ref _gate, 1) == 1;
        }

        /// <summary>Handles the result of the last call and issues the next; true if that one completed already.</summary>
        private bool Advance()
        {
            NtStatus s = _irp.IoStatus.Status;
            switch (_step)
            {
                case Step.Socket:
                    if (!s.IsSuccess)
                    {
                        _holder.Error("socket: " + s);
                        return Next();
                    }

                    _socket = (WskSocket)_irp.IoStatus.Pointer!;
                    _step = Step.Bind;
                    return Issued(static (me, irp) => Conn(me._socket!).WskBind(me._socket!, me._holder.Wildcard, 0, irp));
                case Step.Bind:
                    if (!s.IsSuccess)
                    {
                        return Fail("bind: " + s);
                    }

                    _step = Step.Connect;
                    return Issued(static (me, irp) => Conn(me._socket!).WskConnectEx(me._socket!, me._holder.Remote(me._index), me._holder.Request, 0, irp));
                case Step.Connect:
                    if (!s.IsSuccess)
                    {
                        return Fail("connect: " + s);
                    }

                    _got = 0;
                    return Receive();
                case Step.Receive:
                    int n = (int)_irp.IoStatus.Information;
                    if (!s.IsSuccess || n == 0)
                    {
                        return Fail(s.IsSuccess ? "receive: peer closed" : "receive: " + s);
                    }

                    _got += n;
                    if (_got < _reply.Length)
                    {
                        return Receive();
                    }

                    _holder.Held(_index, _socket!);
                    _socket = null;
                    return Next();
                case Step.CloseFailed:
                    _socket = null;
                    return Next();
                case Step.Close:
                    _socket = null;
                    if (!s.IsSuccess)
                    {
                        _holder.CloseFailed(s.ToString());
                    }

                    return Next();
                default:
                    return false;
            }
        }

        private bool Receive()
        {
            _step = Step.Receive;
            return Issued(static (me, irp) => Conn(me._socket!).WskReceive(me._socket!, new WskBuf(me._replyMdl, (uint)me._got, (nuint)(me._reply.Length - me._got)),
                me._got == 0 ? 0 : WskConstants.WSK_FLAG_WAITALL, irp));
        }

        /// <summary>A connection that failed is counted and its socket closed; the slot then takes the next index.</summary>
        private bool Fail(string error)
        {
            _holder.Error(error);
            _step = Step.CloseFailed;
            return Issued(static (me, irp) => Basic(me._socket!).WskCloseSocket(me._socket!, irp));
        }

        /// <summary>Takes the next index and issues its first call; false (the slot is done) when none is left.</summary>
        private bool Next()
        {
            while (true)
            {
                int i = _holder.Take();
                if (i < 0)
                {
                    _holder.SlotDone();
                    return false;
                }

                _index = i;
                if (!_closing)
                {
                    _step = Step.Socket;
                    return Issued(static (me, irp) => me._holder.Npi.Dispatch.WskSocket(me._holder.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                        WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp));
                }

                if (_holder.TakeSocket(i) is { } socket)
                {
                    _step = Step.Close;
                    _socket = socket;
                    return Issued(static (me, irp) => Basic(me._socket!).WskCloseSocket(me._socket!, irp));
                }
            }
        }

        private static WskProviderConnectionDispatch Conn(WskSocket s) => (WskProviderConnectionDispatch)s.Dispatch;

        private static WskProviderBasicDispatch Basic(WskSocket s) => ((WskProviderConnectionDispatch)s.Dispatch).Basic;
    }

    // --- .NET ----------------------------------------------------------------------------------------------------------

    /// <summary>Holds Socket references (8 B each, in an array allocated before the baseline).</summary>
    private sealed class DotNetHolder(IPEndPoint[] remotes, byte[] request, int concurrency) : IHolder
    {
        private readonly Dictionary<string, long> _errors = [];
        private Socket?[] _sockets = [];
        private int _count;
        private int _next;
        private int _opened;

        public IReadOnlyDictionary<string, long> Errors => _errors;

        public void Prepare(int count) => _sockets = new Socket?[count];

        public (long Opened, bool TimedOut) OpenAll(int count, TimeSpan deadline)
        {
            _count = count;
            _next = 0;
            _opened = 0;
            Task[] loops = [.. Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(LoopAsync))];
            bool finished = Task.WaitAll(loops, deadline);
            return (Volatile.Read(ref _opened), !finished);
        }

        private async Task LoopAsync()
        {
            byte[] reply = new byte[Math.Max(request.Length, 1)];
            int i;
            while ((i = Interlocked.Increment(ref _next) - 1) < _count)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                string stage = "connect";
                try
                {
                    await socket.ConnectAsync(remotes[i % remotes.Length]);
                    stage = "send";
                    await socket.SendAsync(request, SocketFlags.None);
                    stage = "receive";
                    for (int got = 0; got < request.Length;)
                    {
                        int n = await socket.ReceiveAsync(reply.AsMemory(got), SocketFlags.None);
                        if (n == 0)
                        {
                            throw new SocketException((int)SocketError.ConnectionReset);
                        }

                        got += n;
                    }

                    _sockets[i] = socket;
                    Interlocked.Increment(ref _opened);
                }
                catch (SocketException ex)
                {
                    Error($"{stage}: {ex.SocketErrorCode}");
                    socket.Dispose();
                }
            }
        }

        public long CloseAll(TimeSpan deadline)
        {
            long failed = 0;
            for (int i = 0; i < _count; i++)
            {
                try
                {
                    _sockets[i]?.Dispose();
                }
                catch (SocketException ex)
                {
                    failed++;
                    Error($"close: {ex.SocketErrorCode}");
                }

                _sockets[i] = null;
            }

            return failed;
        }

        private void Error(string what)
        {
            lock (_errors)
            {
                _errors[what] = _errors.GetValueOrDefault(what) + 1;
            }
        }
    }
}
