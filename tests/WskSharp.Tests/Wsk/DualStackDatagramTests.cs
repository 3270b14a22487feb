using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Tests.Reliability;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// IPV6_V6ONLY on AF_INET6 datagram sockets, on the Linux kernel (the simulated network keeps IPv4 and IPv6 apart): on by
/// default as on Windows, so a socket bound to [::] does not take IPv4 datagrams whatever Linux's bindv6only sysctl says (the
/// IPv4 sender's next receive is STATUS_PORT_UNREACHABLE: nothing has the port); set to 0 before WskBind, the socket is
/// dual-stack and an IPv4 sender appears as ::ffff:a.b.c.d. In the Reliability collection: it opens sockets that descriptor
/// counts see.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DualStackDatagramTests
{
    private static WskProviderDatagramDispatch Dg(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;

    private static WskSocket Create(WskTestClient client, ushort family) => client.CreateDatagram(family);

    private static SockAddr Bind(WskSocket socket, SockAddr local)
    {
        Assert.Equal(NtStatus.Success, Dg(socket).WskBind(socket, local, 0, new Irp()));
        Assert.Equal(NtStatus.Success, Dg(socket).WskGetLocalAddress(socket, out SockAddr address, new Irp()));
        return address;
    }

    private static NtStatus SetV6Only(WskSocket socket, uint value)
    {
        byte[] input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return Dg(socket).WskControlSocket(socket, WskControlSocketType.WskSetOption, Ws2Def.IPV6_V6ONLY, Ws2Def.IPPROTO_IPV6,
            4, input, 0, default, out _, null);
    }

    private static uint GetV6Only(WskSocket socket)
    {
        byte[] output = new byte[4];
        Assert.Equal(NtStatus.Success, Dg(socket).WskControlSocket(socket, WskControlSocketType.WskGetOption, Ws2Def.IPV6_V6ONLY,
            Ws2Def.IPPROTO_IPV6, 0, default, 4, output, out _, null));
        return BinaryPrimitives.ReadUInt32LittleEndian(output);
    }

    private static async Task<NtStatus> SendAsync(WskSocket socket, byte[] data, SockAddr to)
    {
        var irp = new Irp();
        return await WskTestClient.Complete(Dg(socket).WskSendTo(socket, new WskBuf(new Mdl(data)), 0, to, 0, default, irp), irp);
    }

    [Fact]
    public async Task An_AF_INET6_datagram_socket_is_IPv6_only_by_default_so_an_IPv4_datagram_to_its_port_is_unreachable()
    {
        using var client = new WskTestClient();
        WskSocket v6 = Create(client, Ws2Def.AF_INET6);
        Assert.Equal(1u, GetV6Only(v6));
        ushort port = Bind(v6, SockAddr.Inet6(new byte[16], 0)).Port;
        Assert.Equal(NtStatus.InvalidDeviceState, SetV6Only(v6, 0)); // Fixed at the bind.
        WskSocket v4 = Create(client, Ws2Def.AF_INET);
        Bind(v4, SockAddr.Inet([127, 0, 0, 1], 0));
        var irp = new Irp();
        NtStatus receiving = Dg(v4).WskReceiveFrom(v4, new WskBuf(new Mdl(new byte[16])), 0, null, null, default, null, irp);
        Assert.Equal(NtStatus.Pending, receiving);

        Assert.Equal(NtStatus.Success, await SendAsync(v4, [4], SockAddr.Inet([127, 0, 0, 1], port)));

        Assert.Equal(NtStatus.PortUnreachable, await WskTestClient.Complete(receiving, irp));
    }

    [Fact]
    public async Task An_AF_INET6_datagram_socket_made_dual_stack_before_WskBind_receives_IPv4_datagrams_from_mapped_addresses()
    {
        using var client = new WskTestClient();
        WskSocket v6 = Create(client, Ws2Def.AF_INET6);
        Assert.Equal(NtStatus.Success, SetV6Only(v6, 0));
        Assert.Equal(0u, GetV6Only(v6));
        ushort port = Bind(v6, SockAddr.Inet6(new byte[16], 0)).Port;
        WskSocket v4 = Create(client, Ws2Def.AF_INET);
        SockAddr v4Address = Bind(v4, SockAddr.Inet([127, 0, 0, 1], 0));

        Assert.Equal(NtStatus.Success, await SendAsync(v4, [6, 4], SockAddr.Inet([127, 0, 0, 1], port)));

        var irp = new Irp();
        byte[] buffer = new byte[16];
        var from = new StrongBox<SockAddr>();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(
            Dg(v6).WskReceiveFrom(v6, new WskBuf(new Mdl(buffer)), 0, from, null, default, null, irp), irp));
        Assert.Equal((nuint)2, irp.IoStatus.Information);
        Assert.Equal(Ws2Def.AF_INET6, from.Value.Family);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), v4Address.Port), from.Value.ToEndPoint());
    }
}
