using System.Buffers.Binary;
using WskSharp.Nt;
using WskSharp.Tests.Reliability;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>
/// The options a datagram socket shares with a stream socket: IP_TTL (AF_INET) / IPV6_UNICAST_HOPS (AF_INET6) and
/// SO_REUSEADDR read back as set on both transports, with the stream socket's ranges; SO_EXCLUSIVEADDRUSE as on a stream
/// socket; on Linux, SO_REUSEADDR lets two datagram sockets bind one port. (What the kernel holds under Linux's names: Wsk.KernelOptionReadBackTests.) In the
/// Reliability collection: it opens sockets that descriptor counts see.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DatagramOptionTests
{
    private static WskProviderDatagramDispatch Dg(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;

    private static WskSocket Create(WskTestClient client, ushort family) => client.CreateDatagram(family);

    private static NtStatus Set(WskSocket socket, uint level, uint name, uint value)
    {
        byte[] input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return Dg(socket).WskControlSocket(socket, WskControlSocketType.WskSetOption, name, level, 4, input, 0, default, out _, null);
    }

    private static uint Get(WskSocket socket, uint level, uint name)
    {
        byte[] output = new byte[4];
        Assert.Equal(NtStatus.Success, Dg(socket).WskControlSocket(socket, WskControlSocketType.WskGetOption, name, level,
            0, default, 4, output, out nuint returned, null));
        Assert.Equal((nuint)4, returned);
        return BinaryPrimitives.ReadUInt32LittleEndian(output);
    }

    [Theory]
    [InlineData(false, Ws2Def.AF_INET)]
    [InlineData(false, Ws2Def.AF_INET6)]
    [InlineData(true, Ws2Def.AF_INET)]
    [InlineData(true, Ws2Def.AF_INET6)]
    public async Task The_hop_limit_and_SO_REUSEADDR_read_back_as_set_with_the_stream_sockets_ranges(bool simulated, ushort family)
    {
        using TestTransport transport = simulated ? TestTransport.Simulated() : TestTransport.Linux();
        await transport.WithClientsAsync((client, _) =>
        {
            WskSocket socket = Create(client, family);
            bool v6 = family == Ws2Def.AF_INET6;
            (uint level, uint name) = v6 ? (Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_UNICAST_HOPS) : (Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL);

            Assert.Equal(NtStatus.Success, Set(socket, level, name, 33));
            Assert.Equal(33u, Get(socket, level, name));
            Assert.Equal(NtStatus.InvalidParameter, Set(socket, level, name, 256)); // Windows refuses it.
            if (!v6)
            {
                Assert.Equal(NtStatus.NotSupported, Set(socket, level, name, 0)); // Windows takes it; Linux cannot.
            }

            Assert.Equal(33u, Get(socket, level, name));

            // The other family's hop option is not this socket's.
            Assert.Equal(NtStatus.NotSupported, v6 ? Set(socket, Ws2Def.IPPROTO_IP, Ws2Def.IP_TTL, 9) : Set(socket, Ws2Def.IPPROTO_IPV6, Ws2Def.IPV6_UNICAST_HOPS, 9));

            Assert.Equal(0u, Get(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR));
            Assert.Equal(NtStatus.Success, Set(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 5));
            Assert.Equal(1u, Get(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR));
            return Task.CompletedTask;
        });
    }

    /// <summary>SO_EXCLUSIVEADDRUSE on a datagram socket, as on a stream socket: it reads back as set, excludes SO_REUSEADDR
    /// both ways, is fixed by WskBind, and (on Linux) a socket asking to share the port of an exclusive one is refused. (It
    /// was STATUS_NOT_SUPPORTED on datagram sockets.)</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SO_EXCLUSIVEADDRUSE_is_taken_as_on_a_stream_socket(bool simulated)
    {
        using TestTransport transport = simulated ? TestTransport.Simulated() : TestTransport.Linux();
        await transport.WithClientsAsync((client, _) =>
        {
            WskSocket socket = Create(client, Ws2Def.AF_INET);
            Assert.Equal(0u, Get(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE));
            Assert.Equal(NtStatus.Success, Set(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
            Assert.Equal(NtStatus.InvalidParameter, Set(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 1));
            Assert.Equal(NtStatus.Success, Set(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 0));
            Assert.Equal(NtStatus.Success, Set(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 7));
            Assert.Equal(1u, Get(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE));
            Assert.Equal(NtStatus.InvalidParameter, Set(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
            Assert.Equal(0u, Get(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR));

            Assert.Equal(NtStatus.Success, Dg(socket).WskBind(socket, SockAddr.Inet([127, 0, 0, 1], 0), 0, new Irp()));
            Assert.Equal(NtStatus.InvalidDeviceState, Set(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE, 0)); // Fixed at the bind.
            Assert.Equal(1u, Get(socket, Ws2Def.SOL_SOCKET, Ws2Def.SO_EXCLUSIVEADDRUSE));
            if (!simulated)
            {
                Assert.Equal(NtStatus.Success, Dg(socket).WskGetLocalAddress(socket, out SockAddr address, new Irp()));
                WskSocket sharer = Create(client, Ws2Def.AF_INET);
                Assert.Equal(NtStatus.Success, Set(sharer, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
                Assert.Equal(NtStatus.AddressAlreadyAssociated, Dg(sharer).WskBind(sharer, address, 0, new Irp()));
            }

            return Task.CompletedTask;
        });
    }

    [Fact]
    public void On_Linux_SO_REUSEADDR_on_both_lets_two_datagram_sockets_bind_one_port_and_without_it_the_third_is_refused()
    {
        using var client = new WskTestClient();
        WskSocket first = Create(client, Ws2Def.AF_INET);
        WskSocket second = Create(client, Ws2Def.AF_INET);
        WskSocket third = Create(client, Ws2Def.AF_INET);
        Assert.Equal(NtStatus.Success, Set(first, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
        Assert.Equal(NtStatus.Success, Set(second, Ws2Def.SOL_SOCKET, Ws2Def.SO_REUSEADDR, 1));
        Assert.Equal(NtStatus.Success, Dg(first).WskBind(first, SockAddr.Inet([127, 0, 0, 1], 0), 0, new Irp()));
        Assert.Equal(NtStatus.Success, Dg(first).WskGetLocalAddress(first, out SockAddr address, new Irp()));

        Assert.Equal(NtStatus.Success, Dg(second).WskBind(second, address, 0, new Irp()));
        Assert.Equal(NtStatus.AddressAlreadyAssociated, Dg(third).WskBind(third, address, 0, new Irp()));
    }
}
