using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Net;

/// <summary>
/// A listening socket made through the WSK layer (<c>WskSocket(WSK_FLAG_LISTEN_SOCKET)</c> + <c>WskBind</c>), with the
/// kernel's Fast Open server queue on by default so data that rides in a client's SYN is accepted;
/// <see cref="AcceptAsync"/> is <c>WskAccept</c>. For tests and small servers.
/// </summary>
public sealed class WskListener : IAsyncDisposable, IDisposable, IWskNetResource
{
    private readonly WskNetProvider _provider;
    private readonly WskSocket _socket;
    private readonly WskProviderListenDispatch _dispatch;
    private WskNetLifetime _lifetime;

    private WskListener(WskNetProvider provider, WskSocket socket)
    {
        _provider = provider;
        _socket = socket;
        _dispatch = (WskProviderListenDispatch)socket.Dispatch;
        LocalEndPoint = new IPEndPoint(IPAddress.None, 0);
    }

    /// <summary>Where the listener listens (port 0 in the request is the port the kernel chose).</summary>
    public IPEndPoint LocalEndPoint { get; private set; }

    /// <summary>Listens on <paramref name="localEndPoint"/> (port 0: any free port).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="localEndPoint"/> is null.</exception>
    /// <exception cref="ArgumentException">Neither IPv4 nor IPv6.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The Fast Open queue length is not 1 to 65,535.</exception>
    /// <exception cref="WskException">A WSK call failed, e.g. <see cref="NtStatus.AddressAlreadyAssociated"/>.</exception>
    /// <exception cref="ObjectDisposedException">The options' provider is disposed.</exception>
    public static WskListener Start(IPEndPoint localEndPoint, WskListenerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        options ??= WskListenerOptions.Default;
        if (localEndPoint.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"Only IPv4 and IPv6 endpoints can be listened on, not {localEndPoint.AddressFamily}.", nameof(localEndPoint));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.FastOpenQueueLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.FastOpenQueueLength, 65_535, nameof(options));
        WskNetProvider provider = options.Provider ?? WskNetProvider.Default;
        WskProviderNpi npi = provider.GetNpi(options.NetworkNamespace);
        SockAddr local = SockAddr.FromEndPoint(localEndPoint);
        var irp = new Irp();
        Check(npi.Dispatch.WskSocket(npi.Client, local.Family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null, null, null, null, irp), "WskSocket", localEndPoint);
        var listener = new WskListener(provider, (WskSocket)irp.IoStatus.Pointer!);
        WskNetLifetime.Track(provider, listener, listener._socket);

        try
        {
            if (options.FastOpen)
            {
                Span<byte> queue = stackalloc byte[sizeof(uint)];
                BinaryPrimitives.WriteUInt32LittleEndian(queue, (uint)options.FastOpenQueueLength);
                Check(listener._dispatch.WskControlSocket(listener._socket, WskControlSocketType.WskSetOption, Ws2Def.TCP_FASTOPEN,
                    Ws2Def.IPPROTO_TCP, sizeof(uint), queue, 0, default, out _, null), "WskControlSocket(TCP_FASTOPEN)", null);
            }

            Check(listener._dispatch.WskBind(listener._socket, local, 0, irp), "WskBind", localEndPoint); // A listen socket listens once bound.
            Check(listener._dispatch.WskGetLocalAddress(listener._socket, out SockAddr bound, irp), "WskGetLocalAddress", null);
            listener.LocalEndPoint = bound.ToEndPoint();
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Accepts one connection (<c>WskAccept</c>). Several accepts may be pending at once; each gets its own connection.</summary>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    /// <exception cref="WskException">WskAccept failed; <see cref="NtStatus.Cancelled"/> when the listener was disposed meanwhile.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> cancelled the accept.</exception>
    public async ValueTask<WskConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        _lifetime.ThrowIfDisposed(this);
        cancellationToken.ThrowIfCancellationRequested();
        var irp = new Irp();
        NtStatus status = _dispatch.WskAccept(_socket, 0, null, null, null, null, irp);
        if (status == NtStatus.Pending)
        {
            using (cancellationToken.UnsafeRegister(static state => ((Irp)state!).Cancel(), irp))
            {
                status = await irp;
            }
        }

        if (status != NtStatus.Success)
        {
            throw WskStatusMapping.ToException(status, "WskAccept", LocalEndPoint, cancellationToken);
        }

        return WskConnection.Accepted(_provider, (WskSocket)irp.IoStatus.Pointer!);
    }

    /// <summary>Stops listening (<c>WskCloseSocket</c>); pending accepts complete with <see cref="NtStatus.Cancelled"/>. Idempotent.</summary>
    public void Dispose() => _lifetime.Dispose(_provider, this, _socket);

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    void IWskNetResource.CloseFromProvider() => _lifetime.CloseFromProvider(_socket);

    private static void Check(NtStatus status, string call, object? target)
    {
        if (status != NtStatus.Success)
        {
            throw WskStatusMapping.ToException(status, call, target, default);
        }
    }
}
