using WskSharp.Nt;
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
    {
        Assert.Equal(NtStatus.Success, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
            new WskProviderOptions { NetworkNamespace = networkNamespace }, out WskRegistration? registration));
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

    public static WskProviderConnectionDispatch Connection(WskSocket socket) => (WskProviderConnectionDispatch)socket.Dispatch;

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
        var irp = new Irp();
        foreach (WskSocket socket in _sockets)
        {
            ((WskProviderConnectionDispatch)socket.Dispatch).Basic.WskCloseSocket(socket, irp);
        }

        WskApi.WskReleaseProviderNPI(Registration);
        WskApi.WskDeregister(Registration);
    }
}
