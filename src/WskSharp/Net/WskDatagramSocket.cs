using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Net;

/// <summary>
/// A UDP socket over the WSK layer's datagram socket (<c>WSK_FLAG_DATAGRAM_SOCKET</c>): <see cref="SendToAsync(ReadOnlyMemory{byte}, SockAddr, CancellationToken)"/>
/// and <see cref="ReceiveFromAsync"/> on one reused IRP and MDL per direction, as <see cref="WskConnection"/> does, so a steady
/// stream of datagrams allocates nothing. One send and one receive may be in flight at a time.
/// </summary>
public sealed class WskDatagramSocket : IAsyncDisposable, IDisposable, IWskNetResource
{
    private readonly WskNetProvider _provider;
    private readonly WskSocket _socket;
    private readonly WskProviderDatagramDispatch _dispatch;
    private readonly WskOperation _send = new();
    private readonly WskOperation _receive = new();
    private WskNetLifetime _lifetime;

    private WskDatagramSocket(WskNetProvider provider, WskSocket socket, IPEndPoint local)
    {
        _provider = provider;
        _socket = socket;
        _dispatch = (WskProviderDatagramDispatch)socket.Dispatch;
        LocalEndPoint = local;
    }

    /// <summary>The bound local endpoint (with the port the host chose for port 0).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The WSK socket underneath, for WskControlSocket (options, SIO_WSK_SET_REMOTE_ADDRESS, ...).</summary>
    public WskSocket WskSocket => _socket;

    /// <summary>Creates a datagram socket of <paramref name="localEndPoint"/>'s family and binds it there (WskSocket + WskBind).</summary>
    /// <exception cref="ArgumentException">The endpoint is not IPv4 or IPv6.</exception>
    /// <exception cref="WskException">WskSocket or WskBind failed (the address is in use, ...).</exception>
    public static WskDatagramSocket Bind(IPEndPoint localEndPoint, WskNetProvider? provider = null)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        if (localEndPoint.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"Only IPv4 and IPv6 endpoints can be bound, not {localEndPoint.AddressFamily}.", nameof(localEndPoint));
        }

        provider ??= WskNetProvider.Default;
        WskProviderNpi npi = provider.GetNpi(null);
        SockAddr local = SockAddr.FromEndPoint(localEndPoint);
        var irp = new Irp();
        NtStatus status = npi.Dispatch.WskSocket(npi.Client, local.Family, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP,
            WskConstants.WSK_FLAG_DATAGRAM_SOCKET, null, null, null, null, null, irp);
        if (status != NtStatus.Success)
        {
            throw WskStatusMapping.ToException(status, "WskSocket", localEndPoint, default);
        }

        var socket = (WskSocket)irp.IoStatus.Pointer!;
        var table = (WskProviderDatagramDispatch)socket.Dispatch;
        status = table.WskBind(socket, local, 0, new Irp());
        if (status == NtStatus.Success)
        {
            status = table.WskGetLocalAddress(socket, out local, new Irp());
        }

        if (status != NtStatus.Success)
        {
            WskNetLifetime.Close(socket);
            throw WskStatusMapping.ToException(status, "WskBind", localEndPoint, default);
        }

        var datagram = new WskDatagramSocket(provider, socket, local.ToEndPoint());
        WskNetLifetime.Track(provider, datagram, socket);
        return datagram;
    }

    /// <summary>Sends one datagram to <paramref name="remoteEndPoint"/> (<c>WskSendTo</c>); completes when the host has it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is null.</exception>
    /// <exception cref="WskException">WskSendTo failed (a wildcard or port-0 destination, a datagram too long, ...).</exception>
    public ValueTask SendToAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        return SendToAsync(datagram, SockAddr.FromEndPoint(remoteEndPoint), cancellationToken);
    }

    /// <summary>Sends one datagram to <paramref name="remoteAddress"/> (<c>WskSendTo</c>); allocation-free in the steady state.</summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another send is still in flight.</exception>
    /// <exception cref="WskException">WskSendTo failed.</exception>
    public ValueTask SendToAsync(ReadOnlyMemory<byte> datagram, SockAddr remoteAddress, CancellationToken cancellationToken = default)
    {
        _lifetime.ThrowIfDisposed(this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        WskOperation op = Enter(_send, "send");
        op.Mdl.Memory = MemoryMarshal.AsMemory(datagram);
        NtStatus returned = _dispatch.WskSendTo(_socket, new WskBuf(op.Mdl, 0, (nuint)datagram.Length), 0, remoteAddress, 0, default, op.Irp);
        return new ValueTask(op, op.Complete(returned, "WskSendTo", null, cancellationToken));
    }

    /// <summary>
    /// Receives one datagram into <paramref name="buffer"/> (<c>WskReceiveFrom</c>); returns its length, and puts its sender in
    /// <paramref name="remoteAddress"/> (reuse the box: allocation-free in the steady state). A datagram longer than the buffer
    /// fails with <see cref="SocketError.MessageSize"/> (its tail is gone); an ICMP port unreachable for an earlier send with
    /// <see cref="SocketError.ConnectionReset"/>, as .NET reports both on Windows.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another receive is still in flight.</exception>
    /// <exception cref="WskException">WskReceiveFrom failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> cancelled the receive.</exception>
    public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, StrongBox<SockAddr> remoteAddress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteAddress);
        _lifetime.ThrowIfDisposed(this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        WskOperation op = Enter(_receive, "receive");
        op.Mdl.Memory = buffer;
        NtStatus returned = _dispatch.WskReceiveFrom(_socket, new WskBuf(op.Mdl, 0, (nuint)buffer.Length), 0, remoteAddress, null, default, null, op.Irp);
        return new ValueTask<int>(op, op.Complete(returned, "WskReceiveFrom", null, cancellationToken));
    }

    /// <summary>Closes the socket (WskCloseSocket); a pending send or receive fails with <see cref="OperationCanceledException"/>
    /// or a <see cref="WskException"/> (STATUS_CANCELLED).</summary>
    public void Dispose() => _lifetime.Dispose(_provider, this, _socket);

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    void IWskNetResource.CloseFromProvider() => _lifetime.CloseFromProvider(_socket);

    /// <summary>A one-line description: the local endpoint.</summary>
    public override string ToString() => $"WskDatagramSocket {LocalEndPoint}";

    private static WskOperation Enter(WskOperation op, string what) => op.TryEnter() ? op
        : throw new InvalidOperationException($"Another {what} is still in flight on this datagram socket: await it before starting the next.");
}
