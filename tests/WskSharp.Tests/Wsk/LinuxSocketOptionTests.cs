using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Tests.Reliability;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>What only the Linux kernel can show of the socket options (the simulated network keeps IPv4 and IPv6 apart and
/// one socket per port): a dual-stack IPv6 listener takes IPv4 clients, Windows' default IPv6-only listener does not, and
/// SO_REUSEADDR lets two sockets bind one port. In the Reliability collection: it opens sockets that descriptor counts see.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LinuxSocketOptionTests
{
    private static NtStatus SetOpt(WskSocket socket, uint level, uint name, uint value)
    {
        byte[] input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskSetOption, name, level,
            4, input, 0, default, out _, null);
    }

    private static (WskSocket Listener, ushort Port) ListenOnIpv6Wildcard(WskTestClient server, bool dualStack)
    {
        WskSocket listener = server.CreateSocket(Ws2Def.AF_INET6, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null);
        if (dualStack)
        {
            Assert.Equal(NtStatus.Success, SetOpt(listener, Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY, 0));
        }

        var listen = (WskProviderListenDispatch)listener.Dispatch;
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, listen.WskBind(listener, SockAddr.Inet6(new byte[16], 0), 0, irp));
        Assert.Equal(NtStatus.Success, listen.WskGetLocalAddress(listener, out SockAddr address, irp));
        return (listener, address.Port);
    }

    [Fact]
    public async Task A_dual_stack_AF_INET6_listener_accepts_an_IPv4_client_and_reports_its_mapped_address()
    {
        using var server = new WskTestClient();
        using var client = new WskTestClient();
        var (listener, port) = ListenOnIpv6Wildcard(server, dualStack: true);
        var local = new StrongBox<SockAddr>();
        var remote = new StrongBox<SockAddr>();
        var irp = new Irp();
        NtStatus accepting = ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 0, null, null, local, remote, irp);

        WskSocket peer = await client.ConnectAsync(SockAddr.Inet([127, 0, 0, 1], port), data: [1, 2]);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(accepting, irp));
        WskSocket accepted = server.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
        Assert.Equal(Ws2Def.AF_INET6, remote.Value.Family);
        Assert.Equal(IPAddress.Parse("::ffff:127.0.0.1"), remote.Value.ToEndPoint().Address);
        Assert.Equal(IPAddress.Parse("::ffff:127.0.0.1"), local.Value.ToEndPoint().Address);
        Assert.Equal(new byte[] { 1, 2 }, await WskTestClient.ReceiveAsync(accepted, 2));
        Assert.NotNull(peer);
    }

    [Fact]
    public async Task An_AF_INET6_listener_left_at_Windows_default_IPV6_V6ONLY_refuses_an_IPv4_client()
    {
        using var server = new WskTestClient();
        using var client = new WskTestClient();
        var (_, port) = ListenOnIpv6Wildcard(server, dualStack: false);
        WskSocket socket = client.CreateBoundSocket();
        var irp = new Irp();
        NtStatus status = await WskTestClient.Complete(
            WskTestClient.Connection(socket).WskConnect(socket, SockAddr.Inet([127, 0, 0, 1], port), 0, irp), irp);
        Assert.Equal(NtStatus.ConnectionRefused, status);
    }

    [Fact]
    public void SO_REUSEADDR_on_both_lets_two_sockets_bind_one_port_and_without_it_the_second_is_refused()
    {
        using var client = new WskTestClient();
        WskSocket first = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
        WskSocket second = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
        WskSocket third = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
        Assert.Equal(NtStatus.Success, SetOpt(first, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
        Assert.Equal(NtStatus.Success, SetOpt(second, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
        WskProviderStreamDispatch table = WskProviderStreamDispatch.Instance;
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, table.WskBind(first, SockAddr.Inet([127, 0, 0, 1], 0), 0, irp));
        Assert.Equal(NtStatus.Success, table.WskGetLocalAddress(first, out SockAddr address, irp));
        Assert.Equal(NtStatus.Success, table.WskBind(second, address, 0, new Irp()));
        Assert.Equal(NtStatus.AddressAlreadyAssociated, table.WskBind(third, address, 0, new Irp()));
    }
}
