using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Net;

/// <summary>
/// A TCP connection made (or accepted) through the WSK layer: <see cref="ConnectAsync(EndPoint, ReadOnlyMemory{byte}, WskConnectOptions?, CancellationToken)"/>
/// is <c>WskSocket</c> + <c>WskBind</c> + <c>WskConnectEx</c> with the initial data as its buffer, so with Fast Open
/// (on by default) that data rides in the SYN once the kernel holds a cookie for the server, and <see cref="FastOpen"/>
/// says whether it did. Sends and receives are <c>WskSend</c>/<c>WskReceive</c> on one reused IRP and MDL per direction:
/// the steady state allocates nothing. One send and one receive may be in flight at a time, as on a
/// <see cref="System.Net.Sockets.Socket"/>; a cancellation token cancels the pending IRP.
/// </summary>
public sealed class WskConnection : IAsyncDisposable, IDisposable, IWskNetResource
{
    private readonly WskNetProvider _provider;
    private readonly WskSocket _socket;
    private readonly WskProviderConnectionDispatch _dispatch;
    private readonly WskOperation _send = new();
    private readonly WskOperation _receive = new();
    private WskNetLifetime _lifetime;

    private WskConnection(WskNetProvider provider, WskSocket socket)
    {
        _provider = provider;
        _socket = socket;
        _dispatch = (WskProviderConnectionDispatch)socket.Dispatch;
        FastOpen = WskFastOpenResult.Accepted;
        LocalEndPoint = RemoteEndPoint = new IPEndPoint(IPAddress.None, 0);
    }

    /// <summary>The local address and port of the connection (<c>WskGetLocalAddress</c>).</summary>
    public IPEndPoint LocalEndPoint { get; private set; }

    /// <summary>The peer's address and port (<c>WskGetRemoteAddress</c>).</summary>
    public IPEndPoint RemoteEndPoint { get; private set; }

    /// <summary>What TCP Fast Open did for this connection's <c>WskConnectEx</c> (for an accepted connection: nothing).</summary>
    public WskFastOpenResult FastOpen { get; private set; }

    /// <summary>The WSK socket underneath, for calls the .NET face does not wrap (made through its dispatch table, as any
    /// WSK client makes them). Closing it is the connection's job: use <see cref="Dispose"/>.</summary>
    public WskSocket WskSocket => _socket;

    /// <summary>
    /// Connects to <paramref name="remoteEndPoint"/> (an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> whose
    /// addresses are tried in turn) and sends <paramref name="initialData"/> as part of the connect: the first 65,535 bytes
    /// are <c>WskConnectEx</c>'s buffer (as much of it as fits rides in the SYN with Fast Open), the rest is sent right after.
    /// The task completes when the connection is established and all of the initial data has been handed to the kernel.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is null.</exception>
    /// <exception cref="ArgumentException">Not an IP or DNS endpoint, port 0, a wildcard address, or a local endpoint of
    /// another address family.</exception>
    /// <exception cref="WskException">A WSK call failed, e.g. <see cref="NtStatus.ConnectionRefused"/> (for a name with several
    /// addresses: the last one's failure).</exception>
    /// <exception cref="SocketException">The name could not be resolved (<see cref="SocketError.HostNotFound"/>, ...), as
    /// <see cref="Dns"/> reports it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> cancelled the connect.</exception>
    /// <exception cref="ObjectDisposedException">The options' provider is disposed.</exception>
    public static ValueTask<WskConnection> ConnectAsync(EndPoint remoteEndPoint, ReadOnlyMemory<byte> initialData = default,
        WskConnectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        options ??= WskConnectOptions.Default;
        switch (remoteEndPoint)
        {
            case IPEndPoint ip:
                CheckRemote(ip, options, nameof(remoteEndPoint));
                return ConnectAnyAsync([ip], initialData, options, cancellationToken);
            case DnsEndPoint dns:
                CheckHost(dns.Host, dns.Port);
                return ConnectDnsAsync(dns, initialData, options, cancellationToken);
            default:
                throw new ArgumentException($"A WskConnection connects to an IPEndPoint or a DnsEndPoint, not a {remoteEndPoint.GetType().Name}.", nameof(remoteEndPoint));
        }
    }

    /// <summary>Connects to <paramref name="host"/> (a name or an address literal) on <paramref name="port"/>; see
    /// <see cref="ConnectAsync(EndPoint, ReadOnlyMemory{byte}, WskConnectOptions?, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="host"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 1 to 65,535.</exception>
    public static ValueTask<WskConnection> ConnectAsync(string host, int port, ReadOnlyMemory<byte> initialData = default,
        WskConnectOptions? options = null, CancellationToken cancellationToken = default)
    {
        CheckHost(host, port);
        return ConnectAsync(new DnsEndPoint(host, port), initialData, options, cancellationToken);
    }

    private static void CheckHost(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
    }

    private static void CheckRemote(IPEndPoint remote, WskConnectOptions options, string paramName)
    {
        if (remote.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"Only IPv4 and IPv6 endpoints can be connected to, not {remote.AddressFamily}.", paramName);
        }

        if (remote.Port == 0)
        {
            throw new ArgumentException($"Cannot connect to port 0 ({remote}).", paramName);
        }

        if (SockAddr.FromEndPoint(remote).IsWildcardDestination) // The WSK layer's rule, so no spelling gets past one and not the other.
        {
            throw new ArgumentException($"Cannot connect to the wildcard address ({remote}).", paramName);
        }

        if (options.LocalEndPoint is { } local && local.AddressFamily != remote.AddressFamily)
        {
            throw new ArgumentException($"The local endpoint {local} is not of the remote endpoint's family ({remote}).", nameof(options));
        }
    }

    /// <summary>The addresses of <paramref name="endPoint"/> (literal, or resolved), of the local endpoint's family if one is set.</summary>
    internal static async ValueTask<IPEndPoint[]> ResolveAsync(DnsEndPoint endPoint, WskConnectOptions options, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = IPAddress.TryParse(endPoint.Host, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endPoint.Host, endPoint.AddressFamily, cancellationToken).ConfigureAwait(false);
        IPEndPoint[] candidates = [.. addresses
            .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .Where(a => options.LocalEndPoint is null || a.AddressFamily == options.LocalEndPoint.AddressFamily)
            .Select(a => new IPEndPoint(a, endPoint.Port))];
        if (candidates.Length == 0)
        {
            // Name resolution is not a WSK call here: the provider's WskGetAddressInfo reads the same host resolver (.NET's Dns),
            // so the .NET face asks Dns directly and its failures are .NET's own, as Dns reports them.
            throw new SocketException((int)SocketError.HostNotFound,
                $"'{endPoint.Host}' has no address{(options.LocalEndPoint is null ? "" : $" of the local endpoint's family ({options.LocalEndPoint.AddressFamily})")}.");
        }

        return candidates;
    }

    private static async ValueTask<WskConnection> ConnectDnsAsync(DnsEndPoint endPoint, ReadOnlyMemory<byte> initialData,
        WskConnectOptions options, CancellationToken cancellationToken)
    {
        IPEndPoint[] candidates = await ResolveAsync(endPoint, options, cancellationToken).ConfigureAwait(false);
        foreach (IPEndPoint candidate in candidates)
        {
            CheckRemote(candidate, options, nameof(endPoint));
        }

        return await ConnectAnyAsync(candidates, initialData, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tries <paramref name="candidates"/> in turn; the last failure is thrown.</summary>
    internal static async ValueTask<WskConnection> ConnectAnyAsync(IReadOnlyList<IPEndPoint> candidates, ReadOnlyMemory<byte> initialData,
        WskConnectOptions options, CancellationToken cancellationToken)
    {
        WskNetProvider provider = options.Provider ?? WskNetProvider.Default;
        for (int i = 0; ; i++)
        {
            try
            {
                return await ConnectOneAsync(provider, candidates[i], initialData, options, cancellationToken).ConfigureAwait(false);
            }
            catch (WskException) when (i < candidates.Count - 1)
            {
                // The next address may answer (a name with both IPv6 and IPv4 addresses, say).
            }
        }
    }

    private static async ValueTask<WskConnection> ConnectOneAsync(WskNetProvider provider, IPEndPoint remoteEndPoint,
        ReadOnlyMemory<byte> initialData, WskConnectOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WskProviderNpi npi = provider.GetNpi(options.NetworkNamespace);
        SockAddr remote = SockAddr.FromEndPoint(remoteEndPoint);
        var irp = new Irp();
        Check(npi.Dispatch.WskSocket(npi.Client, remote.Family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp), "WskSocket", remoteEndPoint);
        var connection = new WskConnection(provider, (WskSocket)irp.IoStatus.Pointer!);
        WskNetLifetime.Track(provider, connection, connection._socket);

        try
        {
            await connection.ConnectAsync(remote, remoteEndPoint, initialData, options, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private async ValueTask ConnectAsync(SockAddr remote, IPEndPoint remoteEndPoint, ReadOnlyMemory<byte> initialData,
        WskConnectOptions options, CancellationToken cancellationToken)
    {
        var irp = new Irp();
        if (options.FastOpen)
        {
            SetOption(Ws2Def.TCP_FASTOPEN, 1, "WskControlSocket(TCP_FASTOPEN)");
        }

        if (options.NoDelay)
        {
            SetOption(Ws2Def.TCP_NODELAY, 1, "WskControlSocket(TCP_NODELAY)");
        }

        SockAddr local = options.LocalEndPoint is { } endPoint ? SockAddr.FromEndPoint(endPoint)
            : remote.Family == Ws2Def.AF_INET6 ? SockAddr.Inet6(IPAddress.IPv6Any.GetAddressBytes(), 0)
            : SockAddr.Inet([0, 0, 0, 0], 0);
        Check(_dispatch.WskBind(_socket, local, 0, irp), "WskBind", options.LocalEndPoint);

        // WskConnectEx takes at most 65,535 bytes (the WSK layer's rule); the rest follows as an ordinary send.
        int inConnect = Math.Min(initialData.Length, WskProvider.MaxConnectExBuffer);
        WskOperation op = _send;
        _ = op.TryEnter(); // A new connection: the slot is free.
        op.Mdl.Memory = MemoryMarshal.AsMemory(initialData[..inConnect]);
        WskBuf? buffer = inConnect > 0 ? new WskBuf(op.Mdl, 0, (nuint)inConnect) : null;
        NtStatus returned = _dispatch.WskConnectEx(_socket, remote, buffer, 0, op.Irp);
        await new ValueTask(op, op.Complete(returned, "WskConnectEx", remoteEndPoint, cancellationToken)).ConfigureAwait(false);

        Span<byte> report = stackalloc byte[WskFastOpenReport.Size];
        Check(_dispatch.WskControlSocket(_socket, WskControlSocketType.WskIoctl, WskFastOpen.SIO_WSKSHARP_FASTOPEN_REPORT, 0,
            0, default, WskFastOpenReport.Size, report, out _, null), "WskControlSocket(SIO_WSKSHARP_FASTOPEN_REPORT)", null);
        FastOpen = WskFastOpenResult.FromConnect(WskFastOpenReport.Read(report), options.FastOpen, initialData.Length);
        ReadAddresses(irp);
        if (initialData.Length > inConnect)
        {
            await SendAsync(initialData[inConnect..], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Wraps a socket <c>WskAccept</c> gave a listener.</summary>
    internal static WskConnection Accepted(WskNetProvider provider, WskSocket socket)
    {
        var connection = new WskConnection(provider, socket);
        WskNetLifetime.Track(provider, connection, connection._socket);

        try
        {
            connection.ReadAddresses(new Irp());
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void ReadAddresses(Irp irp)
    {
        Check(_dispatch.WskGetLocalAddress(_socket, out SockAddr local, irp), "WskGetLocalAddress", null);
        Check(_dispatch.WskGetRemoteAddress(_socket, out SockAddr remote, irp), "WskGetRemoteAddress", null);
        LocalEndPoint = local.ToEndPoint();
        RemoteEndPoint = remote.ToEndPoint();
    }

    private void SetOption(uint option, uint value, string call)
    {
        Span<byte> input = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        Check(_dispatch.WskControlSocket(_socket, WskControlSocketType.WskSetOption, option, Ws2Def.IPPROTO_TCP,
            sizeof(uint), input, 0, default, out _, null), call, null);
    }

    /// <summary>
    /// Sends all of <paramref name="buffer"/> (<c>WskSend</c>); completes when the kernel has taken every byte. Allocation-free
    /// in the steady state. Cancelling a send that is part-way out leaves the connection no longer functional (the stream
    /// could not stay consistent): later calls throw a <see cref="WskException"/> with <see cref="NtStatus.FileForcedClosed"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another send (or the shutdown) is still in flight.</exception>
    /// <exception cref="WskException">WskSend failed (the peer reset the connection, ...).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> cancelled the send.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _lifetime.ThrowIfDisposed(this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        WskOperation op = Enter(_send, "send");
        op.Mdl.Memory = MemoryMarshal.AsMemory(buffer);
        NtStatus returned = _dispatch.WskSend(_socket, new WskBuf(op.Mdl, 0, (nuint)buffer.Length), 0, op.Irp);
        return new ValueTask(op, op.Complete(returned, "WskSend", null, cancellationToken));
    }

    /// <summary>
    /// Receives what has arrived, up to <paramref name="buffer"/>'s length (<c>WskReceive</c>); waits until at least one byte
    /// has. Returns the byte count, 0 once the peer has closed its sending side. A zero-length buffer returns 0 at once.
    /// Allocation-free in the steady state; cancelling leaves the connection usable.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another receive is still in flight.</exception>
    /// <exception cref="WskException">WskReceive failed (the peer reset the connection, ...).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> cancelled the receive.</exception>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _lifetime.ThrowIfDisposed(this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        WskOperation op = Enter(_receive, "receive");
        op.Mdl.Memory = buffer;
        NtStatus returned = _dispatch.WskReceive(_socket, new WskBuf(op.Mdl, 0, (nuint)buffer.Length), 0, op.Irp);
        return new ValueTask<int>(op, op.Complete(returned, "WskReceive", null, cancellationToken));
    }

    /// <summary>
    /// Closes the sending side gracefully (<c>WskDisconnect</c>, no flags): what was sent goes out, then FIN. Receiving goes
    /// on until the peer closes its side; sends are refused from now on.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    /// <exception cref="InvalidOperationException">A send is still in flight.</exception>
    /// <exception cref="WskException">WskDisconnect failed (e.g. the sending side is already closed: <see cref="NtStatus.InvalidDeviceState"/>).</exception>
    public ValueTask ShutdownSendAsync(CancellationToken cancellationToken = default)
    {
        _lifetime.ThrowIfDisposed(this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        WskOperation op = Enter(_send, "send or shutdown");
        NtStatus returned = _dispatch.WskDisconnect(_socket, null, 0, op.Irp);
        return new ValueTask(op, op.Complete(returned, "WskDisconnect", null, cancellationToken));
    }

    /// <summary>
    /// A <see cref="Stream"/> over this connection: reads are <see cref="ReceiveAsync"/>, writes are <see cref="SendAsync"/>
    /// (the same calls, the same reused IRPs). Disposing the stream disposes the connection unless <paramref name="leaveOpen"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    public Stream AsStream(bool leaveOpen = false)
    {
        _lifetime.ThrowIfDisposed(this);
        return new WskStream(this, leaveOpen);
    }

    /// <summary>
    /// An <see cref="IDuplexPipe"/> (System.IO.Pipelines) over this connection's <see cref="AsStream"/>: the input reads with
    /// <see cref="ReceiveAsync"/>, the output writes with <see cref="SendAsync"/>. Completing either side does not close the
    /// connection: dispose the connection when done.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    public IDuplexPipe AsDuplexPipe(StreamPipeReaderOptions? readerOptions = null, StreamPipeWriterOptions? writerOptions = null)
    {
        _lifetime.ThrowIfDisposed(this);
        return new WskDuplexPipe(this, readerOptions, writerOptions);
    }

    /// <summary>True once the connection is disposed.</summary>
    public bool IsDisposed => _lifetime.IsDisposed;

    /// <summary>Closes the connection (<c>WskCloseSocket</c>); requests still pending complete with
    /// <see cref="NtStatus.Cancelled"/>. Idempotent.</summary>
    public void Dispose() => _lifetime.Dispose(_provider, this, _socket);

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    void IWskNetResource.CloseFromProvider() => _lifetime.CloseFromProvider(_socket);

    /// <summary>A one-line description: local and remote endpoints.</summary>
    public override string ToString() => $"WskConnection {LocalEndPoint} -> {RemoteEndPoint}";

    private static WskOperation Enter(WskOperation op, string what) => op.TryEnter() ? op
        : throw new InvalidOperationException($"Another {what} is still in flight on this connection: await it before starting the next.");

    private static void Check(NtStatus status, string call, object? target)
    {
        if (status != NtStatus.Success)
        {
            throw WskStatusMapping.ToException(status, call, target, default);
        }
    }
}
