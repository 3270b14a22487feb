using System.Net;
using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary>
/// The tool's WSK client: a registration with a captured provider NPI, and the calls the commands make, each the WSK
/// way (return, then await the IRP on STATUS_PENDING) with a failure turned into an exception that names the call.
/// </summary>
internal sealed class WskSession : IDisposable
{
    private readonly WskRegistration _registration;

    public WskSession(string? networkNamespace = null)
        : this(new WskProviderOptions { NetworkNamespace = networkNamespace })
    {
    }

    public WskSession(WskProviderOptions options)
    {
        Check("WskRegister", WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
            options with { LoggerFactory = options.LoggerFactory ?? CliLogging.Factory }, out WskRegistration? registration));
        _registration = registration!;
        Check("WskCaptureProviderNPI", WskApi.WskCaptureProviderNPI(_registration, WskConstants.WSK_INFINITE_WAIT, out WskProviderNpi? npi));
        Npi = npi!;
    }

    public WskProviderNpi Npi { get; }

    /// <summary>A new socket of <paramref name="category"/> for <paramref name="family"/>.</summary>
    public WskSocket Socket(ushort family, uint category)
    {
        var irp = new Irp();
        Check("WskSocket", Npi.Dispatch.WskSocket(Npi.Client, family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, category, null, null, null, null, null, irp));
        return (WskSocket)irp.IoStatus.Pointer!;
    }

    /// <summary>A connection socket bound to the wildcard address of the server's family, Fast Open on if asked.</summary>
    public WskSocket BoundConnection(SockAddr server, bool fastOpen)
    {
        WskSocket socket = Socket(server.Family, WskConstants.WSK_FLAG_CONNECTION_SOCKET);
        if (fastOpen)
        {
            Check("WskControlSocket(TCP_FASTOPEN)", WskFastOpen.Enable(socket));
        }

        SockAddr any = server.Family == Ws2Def.AF_INET6 ? SockAddr.Inet6(new byte[16], 0) : SockAddr.Inet([0, 0, 0, 0], 0);
        var irp = new Irp();
        Check("WskBind", Conn(socket).WskBind(socket, any, 0, irp));
        return socket;
    }

    /// <summary>A listening socket on <paramref name="local"/>, with the kernel's Fast Open server queue if asked.</summary>
    public WskSocket Listener(SockAddr local, bool fastOpen)
    {
        WskSocket socket = Socket(local.Family, WskConstants.WSK_FLAG_LISTEN_SOCKET);
        if (fastOpen)
        {
            Check("WskControlSocket(TCP_FASTOPEN)", WskFastOpen.Enable(socket));
        }

        Check("WskBind", ((WskProviderListenDispatch)socket.Dispatch).WskBind(socket, local, 0, new Irp()));
        return socket;
    }

    public static async Task<uint> ConnectExAsync(WskSocket socket, SockAddr server, byte[]? data, CancellationToken ct)
    {
        var irp = new Irp();
        WskBuf? buffer = data is { Length: > 0 } ? new WskBuf(new Mdl(data)) : null;
        await CallAsync("WskConnectEx", Conn(socket).WskConnectEx(socket, server, buffer, 0, irp), irp, ct).ConfigureAwait(false);
        return (uint)irp.IoStatus.Information;
    }

    public static async Task<WskSocket> AcceptAsync(WskSocket listener, CancellationToken ct)
    {
        var irp = new Irp();
        await CallAsync("WskAccept", ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 0, null, null, null, null, irp), irp, ct).ConfigureAwait(false);
        return (WskSocket)irp.IoStatus.Pointer!;
    }

    /// <summary>Receives into <paramref name="buffer"/>: with <paramref name="waitAll"/>, until it is full or the peer closes.</summary>
    public static async Task<int> ReceiveAsync(WskSocket socket, Memory<byte> buffer, bool waitAll, CancellationToken ct)
    {
        var irp = new Irp();
        await CallAsync("WskReceive", Conn(socket).WskReceive(socket, new WskBuf(new Mdl(buffer)), waitAll ? WskConstants.WSK_FLAG_WAITALL : 0, irp), irp, ct).ConfigureAwait(false);
        return (int)irp.IoStatus.Information;
    }

    public static async Task SendAsync(WskSocket socket, Memory<byte> data, CancellationToken ct)
    {
        var irp = new Irp();
        await CallAsync("WskSend", Conn(socket).WskSend(socket, new WskBuf(new Mdl(data)), 0, irp), irp, ct).ConfigureAwait(false);
    }

    public static void Close(WskSocket socket) => ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp());

    /// <summary>The address a listening socket is bound to.</summary>
    public static SockAddr LocalAddress(WskSocket listener)
    {
        Check("WskGetLocalAddress", ((WskProviderListenDispatch)listener.Dispatch).WskGetLocalAddress(listener, out SockAddr address, new Irp()));
        return address;
    }

    /// <summary>A WSK call: its returned status, or on STATUS_PENDING the IRP's final one; cancellation cancels the IRP.</summary>
    public static async Task<NtStatus> CallAsync(string what, NtStatus returned, Irp irp, CancellationToken ct)
    {
        if (returned == NtStatus.Pending)
        {
            using (ct.Register(static state => ((Irp)state!).Cancel(), irp))
            {
                returned = await irp;
            }
        }

        Check(what, returned);
        return returned;
    }

    public static void Check(string what, NtStatus status)
    {
        if (status != NtStatus.Success)
        {
            throw new WskCallException(what, status);
        }
    }

    /// <summary>Parses HOST:PORT or [V6]:PORT into a SOCKADDR.</summary>
    public static SockAddr ParseEndPoint(string text) => IPEndPoint.TryParse(text, out IPEndPoint? endPoint) && endPoint.Port != 0
        ? SockAddr.FromEndPoint(endPoint)
        : throw new ArgumentException($"'{text}' is not an address and port (e.g. 127.0.0.1:7000 or [::1]:7000).");

    private static WskProviderConnectionDispatch Conn(WskSocket socket) => (WskProviderConnectionDispatch)socket.Dispatch;

    public void Dispose()
    {
        WskApi.WskReleaseProviderNPI(_registration);
        WskApi.WskDeregister(_registration);
    }
}

/// <summary>A WSK call that did not succeed, with its NTSTATUS.</summary>
internal sealed class WskCallException(string call, NtStatus status) : Exception($"{call} failed: {status}")
{
    public NtStatus Status { get; } = status;
}
