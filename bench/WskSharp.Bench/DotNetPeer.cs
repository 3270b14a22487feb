using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace WskSharp.Bench;

/// <summary>How the .NET peer opens its connection.</summary>
internal enum DotNetShape
{
    /// <summary><c>await socket.ConnectAsync(ep)</c> then <c>await socket.SendAsync(request)</c>: what most code does.</summary>
    ConnectThenSend,

    /// <summary>The same with <c>SocketOptionName.FastOpen</c> set first (per the reference it changes nothing on the wire).</summary>
    ConnectThenSendFastOpen,

    /// <summary>.NET's best Fast Open shape: <c>SocketOptionName.FastOpen</c> and <c>ConnectAsync(SocketAsyncEventArgs)</c>
    /// with the request as the event args' buffer (TCP_FASTOPEN_CONNECT under the hood).</summary>
    SaeaWithBufferFastOpen,
}

/// <summary>A SocketAsyncEventArgs that can be awaited without allocating.</summary>
internal sealed class AwaitableSaea : SocketAsyncEventArgs, IValueTaskSource<SocketError>
{
    private ManualResetValueTaskSourceCore<SocketError> _core;

    public AwaitableSaea() : base(unsafeSuppressExecutionContextFlow: true) => _core.RunContinuationsAsynchronously = false;

    public ValueTask<SocketError> ConnectAsync(Socket socket)
    {
        _core.Reset();
        return socket.ConnectAsync(this) ? new ValueTask<SocketError>(this, _core.Version) : new ValueTask<SocketError>(SocketError);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e) => _core.SetResult(e.SocketError);

    SocketError IValueTaskSource<SocketError>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<SocketError>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<SocketError>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>The .NET peer: a new <see cref="Socket"/> per connection, request, reply, TCP_INFO check, dispose.</summary>
internal sealed class DotNetConnector
{
    private readonly IPEndPoint _remote;
    private readonly byte[] _request;
    private readonly byte[] _reply;
    private readonly int _replyBytes;
    private readonly DotNetShape _shape;
    private readonly AwaitableSaea? _saea;
    private Socket? _current;
    private long _startedAt;

    public DotNetConnector(IPEndPoint remote, byte[] request, int replyBytes, DotNetShape shape)
    {
        _remote = remote;
        _request = request;
        _replyBytes = replyBytes;
        _reply = new byte[Math.Max(replyBytes, 1)];
        _shape = shape;
        if (shape == DotNetShape.SaeaWithBufferFastOpen)
        {
            _saea = new AwaitableSaea { RemoteEndPoint = remote };
            _saea.SetBuffer(request);
        }
    }

    public long StartedAt => Volatile.Read(ref _startedAt);

    /// <summary>The watchdog's way to end a stuck connection: disposing the socket fails its pending operation.</summary>
    public void CancelCurrent() => Volatile.Read(ref _current)?.Dispose();

    public async ValueTask<ConnOutcome> RunOnceAsync()
    {
        long t0 = Stopwatch.GetTimestamp();
        Volatile.Write(ref _startedAt, t0);
        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException ex)
        {
            Volatile.Write(ref _startedAt, 0);
            return ConnOutcome.Fail(Stage.Socket, ex.SocketErrorCode.ToString());
        }

        Volatile.Write(ref _current, socket);
        Stage stage = Stage.Connect;
        try
        {
            if (_shape != DotNetShape.ConnectThenSend)
            {
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.FastOpen, true);
            }

            if (_saea is not null)
            {
                SocketError e = await _saea.ConnectAsync(socket);
                if (e != SocketError.Success)
                {
                    return ConnOutcome.Fail(Stage.Connect, e.ToString());
                }
            }
            else
            {
                await socket.ConnectAsync(_remote);
                stage = Stage.Send;
                await socket.SendAsync(_request, SocketFlags.None);
            }

            stage = Stage.Receive;
            int got = 0;
            long t1 = 0;
            while (got < _replyBytes)
            {
                int n = await socket.ReceiveAsync(_reply.AsMemory(got, _replyBytes - got), SocketFlags.None);
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

            return new ConnOutcome(Stage.None, null, t1 - t0, SynDataAcked(socket), null);
        }
        catch (SocketException ex)
        {
            return ConnOutcome.Fail(stage, ex.SocketErrorCode.ToString());
        }
        catch (ObjectDisposedException)
        {
            return ConnOutcome.Fail(Stage.Timeout, "disposed by the watchdog");
        }
        finally
        {
            Volatile.Write(ref _startedAt, 0);
            Volatile.Write(ref _current, null);
            socket.Dispose();
        }
    }

    /// <summary>TCP_INFO (IPPROTO_TCP 11) byte 5 bit 0x20, TCPI_OPT_SYN_DATA: 1 acked, 0 not, -1 unknown.</summary>
    public static int SynDataAcked(Socket socket)
    {
        Span<byte> info = stackalloc byte[232];
        try
        {
            int n = socket.GetRawSocketOption(6, 11, info);
            return n >= 8 ? ((info[5] & 0x20) != 0 ? 1 : 0) : -1;
        }
        catch (SocketException)
        {
            return -1;
        }
    }
}

/// <summary>P5 with .NET: ConnectAsync, SendAsync(header), SendAsync of fixed-size chunks, 1-byte acknowledgement.</summary>
internal static class DotNetBulk
{
    public static async ValueTask<(long Ticks, string? Error)> SendAsync(IPEndPoint remote, long totalBytes, int chunkBytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(remote);
            byte[] header = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header, totalBytes);
            await socket.SendAsync(header, SocketFlags.None);
            byte[] chunk = new byte[chunkBytes];
            Random.Shared.NextBytes(chunk);
            long t0 = Stopwatch.GetTimestamp();
            long left = totalBytes;
            while (left > 0)
            {
                int n = (int)Math.Min(left, chunkBytes);
                left -= await socket.SendAsync(chunk.AsMemory(0, n), SocketFlags.None);
            }

            byte[] ack = new byte[1];
            int got = await socket.ReceiveAsync(ack, SocketFlags.None);
            if (got != 1)
            {
                return (0, "no acknowledgement");
            }

            return (Stopwatch.GetTimestamp() - t0, null);
        }
        catch (SocketException ex)
        {
            return (0, ex.SocketErrorCode.ToString());
        }
    }
}
