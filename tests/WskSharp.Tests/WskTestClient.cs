using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests;

/// <summary>
/// A registered WSK client for a test: registration, captured NPI, and helpers that make sockets the way a
/// driver would. Disposing closes what the test left open and deregisters.
/// </summary>
internal sealed class WskTestClient : IDisposable
{
    private readonly List<WskSocket> _sockets = [];

    public WskTestClient(string? networkNamespace = null)
        : this(new WskProviderOptions { NetworkNamespace = networkNamespace })
    {
    }

    public WskTestClient(WskProviderOptions options)
    {
        Assert.Equal(NtStatus.Success, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
            options, out WskRegistration? registration));
        Registration = registration!;
        Assert.Equal(NtStatus.Success, WskApi.WskCaptureProviderNPI(Registration, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));
        Npi = npi!;
    }

    public WskRegistration Registration { get; }

    public WskProviderNpi Npi { get; }

    /// <summary>A new connection socket of <paramref name="family"/>.</summary>
    public WskSocket CreateSocket(ushort family = Ws2Def.AF_INET, uint category = WskConstants.WSK_FLAG_CONNECTION_SOCKET)
    {
        var irp = new Irp();
        NtStatus status = Npi.Dispatch.WskSocket(Npi.Client, family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, category,
            null, null, null, null, null, irp);
        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(NtStatus.Success, irp.IoStatus.Status);
        var socket = Assert.IsType<WskSocket>(irp.IoStatus.Pointer);
        _sockets.Add(socket);
        return socket;
    }

    /// <summary>A connection socket bound to the loopback address of its family, port 0.</summary>
    public WskSocket CreateBoundSocket(ushort family = Ws2Def.AF_INET, bool fastOpen = false)
    {
        WskSocket socket = CreateSocket(family);
        if (fastOpen)
        {
            Assert.Equal(NtStatus.Success, WskFastOpen.Enable(socket));
        }

        var irp = new Irp();
        Assert.Equal(NtStatus.Success, Connection(socket).WskBind(socket, Loopback(family, 0), 0, irp));
        return socket;
    }

    /// <summary>A new socket of any category, with a client dispatch and context for its events.</summary>
    public WskSocket CreateSocket(ushort family, uint category, object? context, object? clientDispatch)
    {
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, Npi.Dispatch.WskSocket(Npi.Client, family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP, category,
            context, clientDispatch, null, null, null, irp));
        var socket = Assert.IsType<WskSocket>(irp.IoStatus.Pointer);
        _sockets.Add(socket);
        return socket;
    }

    /// <summary>A listening socket (WSK_FLAG_LISTEN_SOCKET) on loopback, any port; returns it and its address.</summary>
    public (WskSocket Socket, SockAddr Address) CreateListener(ushort family = Ws2Def.AF_INET, bool fastOpen = false, object? clientDispatch = null, object? context = null)
    {
        WskSocket socket = CreateSocket(family, WskConstants.WSK_FLAG_LISTEN_SOCKET, context, clientDispatch);
        var listen = (WskProviderListenDispatch)socket.Dispatch;
        if (fastOpen)
        {
            Assert.Equal(NtStatus.Success, WskFastOpen.Enable(socket));
        }

        var irp = new Irp();
        Assert.Equal(NtStatus.Success, listen.WskBind(socket, Loopback(family, 0), 0, irp));
        Assert.Equal(NtStatus.Success, listen.WskGetLocalAddress(socket, out SockAddr address, irp));
        return (socket, address);
    }

    /// <summary>A new datagram socket (WSK_FLAG_DATAGRAM_SOCKET, UDP), unbound, closed by Dispose.</summary>
    public WskSocket CreateDatagram(ushort family = Ws2Def.AF_INET)
    {
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, Npi.Dispatch.WskSocket(Npi.Client, family, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP,
            WskConstants.WSK_FLAG_DATAGRAM_SOCKET, null, null, null, null, null, irp));
        return Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
    }

    /// <summary>A datagram socket bound to loopback, any port; returns it and the address it was given.</summary>
    public WskSocket BoundDatagram(out SockAddr address, ushort family = Ws2Def.AF_INET)
    {
        WskSocket socket = CreateDatagram(family);
        Assert.Equal(NtStatus.Success, Datagram(socket).WskBind(socket, Loopback(family, 0), 0, new Irp()));
        Assert.Equal(NtStatus.Success, Datagram(socket).WskGetLocalAddress(socket, out address, new Irp()));
        return socket;
    }

    /// <summary>Tracks a socket made elsewhere (e.g. accepted) so that Dispose closes it.</summary>
    public WskSocket Track(WskSocket socket)
    {
        _sockets.Add(socket);
        return socket;
    }

    /// <summary>Accepts one connection on <paramref name="listener"/>.</summary>
    public async Task<WskSocket> AcceptAsync(WskSocket listener, object? context = null, object? clientDispatch = null)
    {
        var irp = new Irp();
        PfnWskAccept accept = listener.Dispatch is WskProviderListenDispatch l ? l.WskAccept : ((WskProviderStreamDispatch)listener.Dispatch).WskAccept;
        Assert.Equal(NtStatus.Success, await Complete(accept(listener, 0, context, clientDispatch, null, null, irp), irp));
        return Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
    }

    /// <summary>A connection socket bound and connected to <paramref name="server"/> (WskConnectEx, optional data).</summary>
    public async Task<WskSocket> ConnectAsync(SockAddr server, byte[]? data = null, bool fastOpen = false, object? clientDispatch = null, object? context = null)
    {
        WskSocket socket = CreateSocket(server.Family, WskConstants.WSK_FLAG_CONNECTION_SOCKET, context, clientDispatch);
        if (fastOpen)
        {
            Assert.Equal(NtStatus.Success, WskFastOpen.Enable(socket));
        }

        var irp = new Irp();
        Assert.Equal(NtStatus.Success, Connection(socket).WskBind(socket, Loopback(server.Family, 0), 0, irp));
        WskBuf? buffer = data is null ? null : new WskBuf(new Mdl(data));
        Assert.Equal(NtStatus.Success, await Complete(Connection(socket).WskConnectEx(socket, server, buffer, 0, irp), irp));
        return socket;
    }

    /// <summary>Both ends of a new connection: a socket of this client connected (WskConnectEx with <paramref name="data"/>)
    /// to a listener of <paramref name="server"/>, and the socket that listener accepted.</summary>
    public async Task<(WskSocket Client, WskSocket Server)> ConnectPairAsync(WskTestClient server, ushort family = Ws2Def.AF_INET, byte[]? data = null)
    {
        var (listener, address) = server.CreateListener(family);
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        WskSocket socket = await ConnectAsync(address, data);
        return (socket, await accepting);
    }

    /// <summary><paramref name="count"/> Fast Open WskConnectEx calls with <paramref name="request"/> to a listener of
    /// <paramref name="server"/>, each accepted there and checked to arrive whole, once; returns their Fast Open reports.</summary>
    public async Task<List<WskFastOpenReport>> ConnectFastOpenAsync(WskTestClient server, WskSocket listener, SockAddr address, byte[] request, int count)
    {
        var reports = new List<WskFastOpenReport>();
        for (int i = 0; i < count; i++)
        {
            Task<WskSocket> accepting = server.AcceptAsync(listener);
            WskSocket socket = await ConnectAsync(address, request, fastOpen: true);
            Assert.Equal(NtStatus.Success, WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
            reports.Add(report);
            Assert.Equal(request, await ReceiveAsync(await accepting, request.Length));
        }

        return reports;
    }

    public static WskProviderConnectionDispatch Connection(WskSocket socket) => (WskProviderConnectionDispatch)socket.Dispatch;

    /// <summary>The provider dispatch table of a datagram socket.</summary>
    public static WskProviderDatagramDispatch Datagram(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;

    /// <summary>Sends all of <paramref name="data"/> on a connected socket.</summary>
    public static async Task SendAsync(WskSocket socket, byte[] data)
    {
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, await Complete(Connection(socket).WskSend(socket, new WskBuf(new Mdl(data)), 0, irp), irp));
        Assert.Equal((nuint)data.Length, irp.IoStatus.Information);
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes (WSK_FLAG_WAITALL) on a connected socket.</summary>
    public static async Task<byte[]> ReceiveAsync(WskSocket socket, int count)
    {
        var irp = new Irp();
        byte[] buffer = new byte[count];
        Assert.Equal(NtStatus.Success, await Complete(Connection(socket).WskReceive(socket, new WskBuf(new Mdl(buffer)), WskConstants.WSK_FLAG_WAITALL, irp), irp));
        return buffer[..(int)irp.IoStatus.Information];
    }

    public static SockAddr Loopback(ushort family, ushort port) => family == Ws2Def.AF_INET6
        ? SockAddr.Inet6(System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), port)
        : SockAddr.Inet([127, 0, 0, 1], port);

    /// <summary>Awaits a WSK call's result: its return value, or the IRP's final status when it returned STATUS_PENDING.</summary>
    public static async Task<NtStatus> Complete(NtStatus returned, Irp irp)
    {
        if (returned != NtStatus.Pending)
        {
            Assert.False(irp.IsPending);
            Assert.Equal(returned, irp.IoStatus.Status);
            return returned;
        }

        return await irp.AsValueTask().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
    }

    public void Dispose()
    {
        foreach (WskSocket socket in _sockets)
        {
            // An IRP each: a close pends while an event callback of its socket still runs.
            ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp());
        }

        WskApi.WskReleaseProviderNPI(Registration);
        WskApi.WskDeregister(Registration);
    }
}
