using System.Buffers.Binary;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>The socket options drivers set, on every transport: each is set, read back, kept by the connection, and inherited
/// by what a listener accepts; address sharing rules.</summary>
public abstract partial class ConformanceTests
{
    private static NtStatus SetOpt(WskSocket socket, uint level, uint name, uint value)
    {
        byte[] input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskSetOption, name, level,
            4, input, 0, default, out _, null);
    }

    private static uint GetOpt(WskSocket socket, uint level, uint name)
    {
        byte[] output = new byte[4];
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskGetOption,
            name, level, 0, default, 4, output, out nuint returned, irp));
        Assert.Equal((nuint)4, returned);
        Assert.Equal((nuint)4, irp.IoStatus.Information);
        return BinaryPrimitives.ReadUInt32LittleEndian(output);
    }

    /// <summary>Each option with a value unlike its default, for a socket of <paramref name="family"/>.</summary>
    private static (uint Level, uint Name, uint Value)[] OptionsFor(ushort family) =>
    [
        (Ws2Def.SOL_SOCKET, Ws2Def.SO_KEEPALIVE, 1),
        (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPALIVE, 30),
        (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPINTVL, 5),
        (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPCNT, 4),
        (Ws2Def.SOL_SOCKET, Ws2Def.SO_RCVBUF, 65_536),
        (Ws2Def.SOL_SOCKET, Ws2Def.SO_SNDBUF, 65_536),
        (Ws2Def.IPPROTO_TCP, Ws2Def.TCP_NODELAY, 1),
        family == Ws2Def.AF_INET6 ? (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_UNICAST_HOPS, 17u) : (Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 17u),
    ];

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public Task Socket_options_read_back_as_set_on_every_category_and_accepted_sockets_inherit_the_listeners(ushort family) => WithPairAsync(async (client, server, _) =>
    {
        // Every category takes them, a basic socket too.
        foreach (uint category in (uint[])[WskConstants.WSK_FLAG_BASIC_SOCKET, WskConstants.WSK_FLAG_CONNECTION_SOCKET,
            WskConstants.WSK_FLAG_LISTEN_SOCKET, WskConstants.WSK_FLAG_STREAM_SOCKET])
        {
            WskSocket socket = client.CreateSocket(family, category, null, null);
            if (family == Ws2Def.AF_INET6)
            {
                Assert.Equal(1u, GetOpt(socket, Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_V6ONLY)); // Windows' default.
            }

            foreach (var (level, name, value) in OptionsFor(family))
            {
                Assert.Equal(NtStatus.Success, SetOpt(socket, level, name, value));
                Assert.Equal(value, GetOpt(socket, level, name));
            }
        }

        // Set on a listener before it listens, they hold on every connection it accepts; the connection carries data.
        WskSocket listener = server.CreateSocket(family, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null);
        foreach (var (level, name, value) in OptionsFor(family))
        {
            Assert.Equal(NtStatus.Success, SetOpt(listener, level, name, value));
        }

        var irp = new Irp();
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        Assert.Equal(NtStatus.Success, listen.WskBind(listener, WskTestClient.Loopback(family, 0), 0, irp));
        Assert.Equal(NtStatus.Success, listen.WskGetLocalAddress(listener, out SockAddr address, irp));
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        WskSocket peer = await client.ConnectAsync(address, data: [9, 8, 7]);
        WskSocket accepted = await accepting;
        Assert.Equal(new byte[] { 9, 8, 7 }, await WskTestClient.ReceiveAsync(accepted, 3));
        foreach (var (level, name, value) in OptionsFor(family))
        {
            if (name is not (Ws2Def.SO_RCVBUF or Ws2Def.SO_SNDBUF)) // Linux sizes an accepted socket's buffers afresh.
            {
                Assert.Equal(value, GetOpt(accepted, level, name));
            }
        }

        // A connected socket still takes them.
        Assert.Equal(NtStatus.Success, SetOpt(peer, Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPCNT, 7));
        Assert.Equal(7u, GetOpt(peer, Ws2Def.IPPROTO_TCP, Ws2Def.TCP_KEEPCNT));
    });

    [Fact]
    public Task SO_REUSEADDR_and_SO_EXCLUSIVEADDRUSE_read_back_exclude_each_other_and_an_exclusive_listener_keeps_its_port() => WithPairAsync((client, server, _) =>
    {
        WskSocket socket = client.CreateSocket();
        Assert.Equal(0u, GetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR));
        Assert.Equal(0u, GetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE));
        Assert.Equal(NtStatus.Success, SetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
        Assert.Equal(1u, GetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR));
        Assert.Equal(NtStatus.InvalidParameter, SetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 1));
        Assert.Equal(NtStatus.Success, SetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 0));
        Assert.Equal(NtStatus.Success, SetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 1));
        Assert.Equal(1u, GetOpt(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE));

        // A listener that said its address is its own: a second socket asking to share the port is refused.
        WskSocket listener = server.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null);
        Assert.Equal(NtStatus.Success, SetOpt(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 1));
        var irp = new Irp();
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        Assert.Equal(NtStatus.Success, listen.WskBind(listener, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
        Assert.Equal(NtStatus.Success, listen.WskGetLocalAddress(listener, out SockAddr address, irp));
        Assert.Equal(NtStatus.InvalidDeviceState, SetOpt(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 0)); // Fixed at the bind.

        WskSocket sharer = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
        Assert.Equal(NtStatus.Success, SetOpt(sharer, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
        Assert.Equal(NtStatus.AddressAlreadyAssociated, WskProviderStreamDispatch.Instance.WskBind(sharer, address, 0, new Irp()));
        return Task.CompletedTask;
    });
}
