using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Bench;

/// <summary>A registered WSK client (WskRegister + WskCaptureProviderNPI), released on dispose.</summary>
internal sealed class WskSession : IDisposable
{
    /// <param name="networkNamespace">Where the sockets live (null: this process's namespace).</param>
    /// <param name="completeOnEventLoop"><see cref="WskProviderOptions.CompleteOnEventLoop"/>: requests that complete later
    /// finish on the event loop instead of the thread pool.</param>
    /// <param name="fastOpenMemoryFile"><see cref="WskProviderOptions.FastOpenMemoryFile"/> (null: the memory lasts this process).</param>
    /// <param name="eventLoops"><see cref="WskProviderOptions.EventLoopCount"/> (null: the default).</param>
    public WskSession(string? networkNamespace = null, bool completeOnEventLoop = false, string? fastOpenMemoryFile = null, int? eventLoops = null)
    {
        var options = new WskProviderOptions { NetworkNamespace = networkNamespace, CompleteOnEventLoop = completeOnEventLoop, FastOpenMemoryFile = fastOpenMemoryFile };
        if (eventLoops is { } n)
        {
            options = options with { EventLoopCount = n };
        }

        NtStatus s = WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)), options, out WskRegistration? registration);
        if (!s.IsSuccess)
        {
            throw new InvalidOperationException($"WskRegister: {s}");
        }

        Registration = registration!;
        s = WskApi.WskCaptureProviderNPI(Registration, WskConstants.WSK_INFINITE_WAIT, out WskProviderNpi? npi);
        if (!s.IsSuccess)
        {
            throw new InvalidOperationException($"WskCaptureProviderNPI: {s}");
        }

        Npi = npi!;
    }

    public WskRegistration Registration { get; }

    public WskProviderNpi Npi { get; }

    public void Dispose()
    {
        WskApi.WskReleaseProviderNPI(Registration);
        WskApi.WskDeregister(Registration);
    }
}

/// <summary>Where a connection attempt failed.</summary>
internal enum Stage
{
    None,
    Socket,
    FastOpen,
    Bind,
    Connect,
    Send,
    Receive,
    Eof,
    Close,
    Timeout,
}

/// <summary>One request/response connection's outcome; <see cref="TtfbTicks"/> in Stopwatch ticks.</summary>
internal readonly record struct ConnOutcome(Stage FailedAt, string? Error, long TtfbTicks, int SynData, string? FailReason)
{
    public bool Ok => FailedAt == Stage.None;

    public static ConnOutcome Fail(Stage stage, string error) => new(stage, error, 0, -1, null);
}

/// <summary>
/// The WskSharp peer: per connection WskSocket, (TCP_FASTOPEN through WskControlSocket), WskBind to port 0,
/// WskConnectEx with the request as its buffer, WskReceive until the reply is complete, WskCloseSocket. One IRP
/// and the buffers are reused across connections, as a driver would; the awaits are allocation-free (pooled
/// builder, the IRP is its own IValueTaskSource).
/// </summary>
internal sealed class WskConnector
{
    private readonly WskProviderNpi _npi;
    private readonly Irp _irp = new();
    private readonly WskExchange _x;
    private long _startedAt;

    public WskConnector(WskProviderNpi npi, WskExchange exchange)
    {
        _npi = npi;
        _x = exchange;
    }

    /// <summary>Stopwatch timestamp at which the current connection started, or 0 when idle (for a watchdog).</summary>
    public long StartedAt => Volatile.Read(ref _startedAt);

    /// <summary>Cancels whatever request the IRP holds (the watchdog's way to end a stuck connection).</summary>
    public void CancelCurrent() => _irp.Cancel();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ConnOutcome> RunOnceAsync()
    {
        long t0 = Stopwatch.GetTimestamp();
        Volatile.Write(ref _startedAt, t0);
        Irp irp = _irp;
        NtStatus s = _npi.Dispatch.WskSocket(_npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);
        if (!s.IsSuccess)
        {
            Volatile.Write(ref _startedAt, 0);
            return ConnOutcome.Fail(Stage.Socket, s.ToString());
        }

        var socket = (WskSocket)irp.IoStatus.Pointer!;
        var dispatch = (WskProviderConnectionDispatch)socket.Dispatch;
        ConnOutcome outcome;
        try
        {
            outcome = await ExchangeAsync(socket, dispatch, t0);
        }
        finally
        {
            Volatile.Write(ref _startedAt, 0);
            s = dispatch.Basic.WskCloseSocket(socket, irp);
            if (s == NtStatus.Pending)
            {
                s = await irp;
            }
        }

        return outcome.Ok && !s.IsSuccess ? ConnOutcome.Fail(Stage.Close, s.ToString()) : outcome;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ConnOutcome> ExchangeAsync(WskSocket socket, WskProviderConnectionDispatch dispatch, long t0)
    {
        Irp irp = _irp;
        NtStatus s;
        if (_x.FastOpen && !(s = WskFastOpen.Enable(socket)).IsSuccess)
        {
            return ConnOutcome.Fail(Stage.FastOpen, s.ToString());
        }

        s = dispatch.WskBind(socket, _x.Local, 0, irp);
        if (s == NtStatus.Pending)
        {
            s = await irp;
        }

        if (!s.IsSuccess)
        {
            return ConnOutcome.Fail(Stage.Bind, s.ToString());
        }

        s = dispatch.WskConnectEx(socket, _x.Remote, _x.Request, 0, irp);
        if (s == NtStatus.Pending)
        {
            s = await irp;
        }

        if (!s.IsSuccess)
        {
            return ConnOutcome.Fail(Stage.Connect, s.ToString());
        }

        // First WskReceive without WSK_FLAG_WAITALL: it completes with the first reply bytes (time to first byte),
        // then WSK_FLAG_WAITALL for whatever is still missing.
        int got = 0;
        long t1 = 0;
        while (got < _x.ReplyBytes)
        {
            s = dispatch.WskReceive(socket, _x.ReplyFrom(got), got == 0 ? 0 : WskConstants.WSK_FLAG_WAITALL, irp);
            if (s == NtStatus.Pending)
            {
                s = await irp;
            }

            if (!s.IsSuccess)
            {
                return ConnOutcome.Fail(Stage.Receive, s.ToString());
            }

            int n = (int)irp.IoStatus.Information;
            if (n == 0)
            {
                return ConnOutcome.Fail(Stage.Eof, "peer closed");
            }

            if (got == 0)
            {
                t1 = Stopwatch.GetTimestamp();
            }

            got += n;
        }

        return _x.Outcome(socket, t1 - t0);
    }
}

/// <summary>P5 with WskSharp: connect (the 8-byte length header is the WskConnectEx buffer), then WskSend of
/// fixed-size chunks, each awaited before the next (as the .NET peer does), then a 1-byte acknowledgement.</summary>
internal static class WskBulk
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(long Ticks, string? Error)> SendAsync(WskProviderNpi npi, IPEndPoint remote, long totalBytes, int chunkBytes)
    {
        var irp = new Irp();
        NtStatus s = npi.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);
        if (!s.IsSuccess)
        {
            return (0, $"WskSocket: {s}");
        }

        var socket = (WskSocket)irp.IoStatus.Pointer!;
        var d = (WskProviderConnectionDispatch)socket.Dispatch;
        try
        {
            s = d.WskBind(socket, SockAddr.FromEndPoint(new IPEndPoint(IPAddress.Any, 0)), 0, irp);
            if (!s.IsSuccess)
            {
                return (0, $"WskBind: {s}");
            }

            byte[] header = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header, totalBytes);
            s = d.WskConnectEx(socket, SockAddr.FromEndPoint(remote), new WskBuf(new Mdl(header)), 0, irp);
            if (s == NtStatus.Pending)
            {
                s = await irp;
            }

            if (!s.IsSuccess)
            {
                return (0, $"WskConnectEx: {s}");
            }

            byte[] chunk = new byte[chunkBytes];
            Random.Shared.NextBytes(chunk);
            var full = new WskBuf(new Mdl(chunk));
            var ackMdl = new Mdl(new byte[1]);
            long t0 = Stopwatch.GetTimestamp();
            long left = totalBytes;
            while (left > 0)
            {
                WskBuf buf = left >= chunkBytes ? full : new WskBuf(full.Mdl, 0, (nuint)left);
                s = d.WskSend(socket, buf, 0, irp);
                if (s == NtStatus.Pending)
                {
                    s = await irp;
                }

                if (!s.IsSuccess)
                {
                    return (0, $"WskSend: {s}");
                }

                left -= (long)irp.IoStatus.Information;
            }

            s = d.WskReceive(socket, new WskBuf(ackMdl), WskConstants.WSK_FLAG_WAITALL, irp);
            if (s == NtStatus.Pending)
            {
                s = await irp;
            }

            if (!s.IsSuccess || irp.IoStatus.Information != 1)
            {
                return (0, $"WskReceive (ack): {s}, {irp.IoStatus.Information} B");
            }

            return (Stopwatch.GetTimestamp() - t0, null);
        }
        finally
        {
            d.Basic.WskCloseSocket(socket, irp);
        }
    }
}
