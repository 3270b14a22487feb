using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Transport.Simulated;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>The datagram conformance suite on the Linux kernel's UDP (loopback).</summary>
[Collection(Reliability.ReliabilityCollection.Name)]
public sealed class DatagramConformanceOnLinuxTests : DatagramConformanceTests
{
    private protected override TestTransport CreateTransport() => TestTransport.Linux();
}

/// <summary>The datagram conformance suite on the simulated network, a fresh seeded one per test.</summary>
[Collection(Reliability.ReliabilityCollection.Name)]
public sealed class DatagramConformanceOnSimulatedTests : DatagramConformanceTests
{
    private protected override TestTransport CreateTransport() => TestTransport.Simulated();

    private static SimulatedNetwork Network(TestTransport transport) => transport.Network!;

    [Fact]
    public Task A_lost_datagram_never_arrives_and_the_next_one_does() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        Network(transport).InjectNext(SimulatedFault.DatagramLoss);
        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], bAddress));
        Assert.Equal(NtStatus.Success, await SendAsync(a, [2], bAddress));

        Received got = await ReceiveAsync(b);

        Assert.Equal(new byte[] { 2 }, got.Data);
        Assert.Equal(1, Network(transport).Fired(SimulatedFault.DatagramLoss));
    });

    [Fact]
    public Task A_duplicated_datagram_is_received_twice() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        Network(transport).InjectNext(SimulatedFault.DatagramDuplicate);
        Assert.Equal(NtStatus.Success, await SendAsync(a, [7, 7], bAddress));

        Assert.Equal(new byte[] { 7, 7 }, (await ReceiveAsync(b)).Data);
        Assert.Equal(new byte[] { 7, 7 }, (await ReceiveAsync(b)).Data);
    });

    [Fact]
    public Task A_reordered_datagram_is_overtaken_by_the_next() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        using (Network(transport).Hold()) // Both leave from one state: their arrival times are set by the seed alone.
        {
            Network(transport).InjectNext(SimulatedFault.DatagramReorder);
            Assert.Equal(NtStatus.Success, await SendAsync(a, [1], bAddress));
            Assert.Equal(NtStatus.Success, await SendAsync(a, [2], bAddress));
        }

        Assert.Equal(new byte[] { 2 }, (await ReceiveAsync(b)).Data);
        Assert.Equal(new byte[] { 1 }, (await ReceiveAsync(b)).Data);
    });

    [Fact]
    public Task A_datagram_cut_short_on_the_way_arrives_shorter_and_is_not_reported_truncated() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        Network(transport).InjectNext(SimulatedFault.DatagramTruncate);
        byte[] payload = RandomBytes(100, 5);
        Assert.Equal(NtStatus.Success, await SendAsync(a, payload, bAddress));

        Received got = await ReceiveAsync(b, controlRoom: 0);

        Assert.Equal(NtStatus.Success, got.Status); // The receiver's buffer held all that arrived.
        Assert.True(got.Data.Length < payload.Length);
        Assert.Equal(payload[..got.Data.Length], got.Data);
        Assert.Equal(0u, got.Flags);
    });
}

/// <summary>
/// The WSK datagram contract, one body for both transports: WskSendTo and WskReceiveFrom carry a datagram whole with its
/// sender; a pending receive completes when one arrives; a datagram longer than the buffer is STATUS_BUFFER_OVERFLOW with
/// MSG_TRUNC; IP_PKTINFO/IPV6_PKTINFO come back in the Windows layout (MSG_CTRUNC when there is no room); an unreachable
/// port reaches the next receive as STATUS_PORT_UNREACHABLE; a fixed remote (SIO_WSK_SET_REMOTE_ADDRESS /
/// SIO_WSK_SET_SENDTO_ADDRESS); WskSendMessages; the WskReceiveFromEvent callback with WskRelease; close and cancel of
/// pending requests; a SOCK_DGRAM listening socket's WskBind. At the end nothing is left open on the transport.
/// </summary>
public abstract class DatagramConformanceTests
{
    private protected abstract TestTransport CreateTransport();

    private protected async Task WithPairAsync(Func<WskTestClient, WskTestClient, TestTransport, Task> body)
    {
        using TestTransport transport = CreateTransport();
        await transport.WithClientsAsync((client, server) => body(client, server, transport));
    }

    private protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private protected static WskProviderDatagramDispatch Dg(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;

    private protected static WskSocket Create(WskTestClient client, ushort family, object? dispatch = null, object? context = null,
        uint flags = WskConstants.WSK_FLAG_DATAGRAM_SOCKET)
    {
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, client.Npi.Dispatch.WskSocket(client.Npi.Client, family, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP,
            flags, context, dispatch, null, null, null, irp));
        return client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
    }

    private protected static (WskSocket Socket, SockAddr Address) Bound(WskTestClient client, ushort family, object? dispatch = null)
    {
        WskSocket socket = Create(client, family, dispatch);
        Assert.Equal(NtStatus.Success, Dg(socket).WskBind(socket, WskTestClient.Loopback(family, 0), 0, new Irp()));
        Assert.Equal(NtStatus.Success, Dg(socket).WskGetLocalAddress(socket, out SockAddr address, new Irp()));
        Assert.NotEqual(0, address.Port);
        return (socket, address);
    }

    private protected static async Task<NtStatus> SendAsync(WskSocket socket, byte[] data, SockAddr? to, byte[]? control = null)
    {
        var irp = new Irp();
        NtStatus status = await WskTestClient.Complete(
            Dg(socket).WskSendTo(socket, new WskBuf(new Mdl(data)), 0, to, (nuint)(control?.Length ?? 0), control, irp), irp);
        if (status == NtStatus.Success)
        {
            Assert.Equal((nuint)data.Length, irp.IoStatus.Information);
        }

        return status;
    }

    private protected sealed record Received(NtStatus Status, byte[] Data, SockAddr From, uint Flags, byte[] Control);

    private protected static async Task<Received> ReceiveAsync(WskSocket socket, int size = 2048, int controlRoom = 64)
    {
        var irp = new Irp();
        byte[] buffer = new byte[size];
        byte[] control = new byte[64];
        var from = new StrongBox<SockAddr>();
        var controlLength = new StrongBox<uint>((uint)controlRoom);
        var flags = new StrongBox<uint>(0xFFFF);
        NtStatus status = await WskTestClient.Complete(
            Dg(socket).WskReceiveFrom(socket, new WskBuf(new Mdl(buffer)), 0, from, controlLength, control, flags, irp), irp);
        return new Received(status, buffer[..(int)irp.IoStatus.Information], from.Value, flags.Value, control[..(int)controlLength.Value]);
    }

    private static void SetOption(WskSocket socket, uint level, uint option, uint value)
    {
        byte[] input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        Assert.Equal(NtStatus.Success, Dg(socket).WskControlSocket(socket, WskControlSocketType.WskSetOption, option, level, 4, input, 0, default,
            out _, new Irp()));
    }

    private static NtStatus Ioctl(WskSocket socket, uint code, SockAddr address)
    {
        byte[] input = address.ToArray();
        return Dg(socket).WskControlSocket(socket, WskControlSocketType.WskIoctl, code, 0, (nuint)input.Length, input, 0, default, out _, new Irp());
    }

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public Task WskSendTo_and_WskReceiveFrom_carry_a_datagram_whole_with_its_sender(ushort family) => WithPairAsync(async (client, server, _) =>
    {
        var (a, aAddress) = Bound(client, family);
        var (b, bAddress) = Bound(server, family);
        byte[] payload = RandomBytes(1200, family);
        var probe = new IrpProbe();

        NtStatus returned = Dg(a).WskSendTo(a, new WskBuf(new Mdl(payload)), 0, bAddress, 0, default, probe.Irp);

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));
        Assert.Equal(1, probe.Count);
        Assert.Equal((nuint)payload.Length, probe.Irp.IoStatus.Information);
        Received got = await ReceiveAsync(b);
        Assert.Equal(NtStatus.Success, got.Status);
        Assert.Equal(payload, got.Data);
        Assert.Equal(aAddress, got.From);
        Assert.Equal(0u, got.Flags);
        Assert.Empty(got.Control); // No packet information asked for.
    });

    [Fact]
    public Task A_pending_WskReceiveFrom_completes_once_when_a_datagram_arrives() => WithPairAsync(async (client, server, _) =>
    {
        var (a, aAddress) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        var probe = new IrpProbe();
        byte[] buffer = new byte[100];
        var from = new StrongBox<SockAddr>();

        Assert.Equal(NtStatus.Pending, Dg(b).WskReceiveFrom(b, new WskBuf(new Mdl(buffer)), 0, from, null, default, null, probe.Irp));
        Assert.Equal(NtStatus.Success, await SendAsync(a, [1, 2, 3], bAddress));

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(NtStatus.Pending, probe.Irp));
        Assert.Equal(1, probe.Count);
        Assert.Equal((nuint)3, probe.Irp.IoStatus.Information);
        Assert.Equal(aAddress, from.Value);
        Assert.True(probe.Irp.PendingReturned);
    });

    [Fact]
    public Task A_datagram_longer_than_the_buffer_completes_with_BUFFER_OVERFLOW_and_MSG_TRUNC_and_its_tail_is_gone() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        byte[] payload = RandomBytes(500, 1);
        Assert.Equal(NtStatus.Success, await SendAsync(a, payload, bAddress));
        Assert.Equal(NtStatus.Success, await SendAsync(a, [9], bAddress));

        Received first = await ReceiveAsync(b, size: 100);
        Received second = await ReceiveAsync(b, size: 100);

        Assert.Equal(NtStatus.BufferOverflow, first.Status);
        Assert.Equal(payload[..100], first.Data);
        Assert.Equal(Ws2Def.MSG_TRUNC, first.Flags);
        Assert.Equal(new byte[] { 9 }, second.Data); // The next datagram, not the rest of the first.
    });

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public Task Packet_information_reports_the_destination_in_the_Windows_layout(ushort family) => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, family);
        var (b, bAddress) = Bound(server, family);
        bool v6 = family == Ws2Def.AF_INET6;
        SetOption(b, v6 ? Ws2Def.IPPROTO_IPV6 : Ws2Def.IPPROTO_IP, v6 ? Ws2Def.IPV6_PKTINFO : Ws2Def.IP_PKTINFO, 1);
        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], bAddress));

        Received got = await ReceiveAsync(b);

        Assert.Equal(v6 ? 40 : 24, got.Control.Length); // WSA_CMSG_SPACE(sizeof(IN6_PKTINFO)) / WSA_CMSG_SPACE(sizeof(IN_PKTINFO))
        Assert.Equal((ulong)(v6 ? 36 : 24), BinaryPrimitives.ReadUInt64LittleEndian(got.Control)); // cmsg_len = WSA_CMSG_LEN
        Assert.Equal(v6 ? Ws2Def.IPPROTO_IPV6 : Ws2Def.IPPROTO_IP, BinaryPrimitives.ReadUInt32LittleEndian(got.Control.AsSpan(8)));
        Assert.Equal(v6 ? Ws2Def.IPV6_PKTINFO : Ws2Def.IP_PKTINFO, BinaryPrimitives.ReadUInt32LittleEndian(got.Control.AsSpan(12)));
        Assert.Equal(bAddress.GetAddressBytes(), got.Control.AsSpan(16, v6 ? 16 : 4).ToArray());
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(got.Control.AsSpan(v6 ? 32 : 20))); // the loopback interface
        Assert.Equal(0u, got.Flags);
    });

    [Fact]
    public Task Packet_information_without_room_is_MSG_CTRUNC() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        SetOption(b, Ws2Def.IPPROTO_IP, Ws2Def.IP_PKTINFO, 1);
        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], bAddress));

        Received got = await ReceiveAsync(b, controlRoom: 8);

        Assert.Equal(NtStatus.Success, got.Status);
        Assert.Equal(Ws2Def.MSG_CTRUNC, got.Flags);
        Assert.Empty(got.Control);
    });

    [Fact]
    public Task A_datagram_to_a_port_where_nothing_listens_reaches_the_next_receive_as_PORT_UNREACHABLE() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (gone, goneAddress) = Bound(server, Ws2Def.AF_INET);
        Assert.Equal(NtStatus.Success, Dg(gone).WskCloseSocket(gone, new Irp()));
        var probe = new IrpProbe();
        var from = new StrongBox<SockAddr>();
        Assert.Equal(NtStatus.Pending, Dg(a).WskReceiveFrom(a, new WskBuf(new Mdl(new byte[10])), 0, from, null, default, null, probe.Irp));

        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], goneAddress)); // Handed to the host: UDP does not wait for an answer.

        Assert.Equal(NtStatus.PortUnreachable, await WskTestClient.Complete(NtStatus.Pending, probe.Irp));
        Assert.Equal(1, probe.Count);
        Assert.Equal(goneAddress, from.Value);

        // The socket goes on working.
        var (b, _) = Bound(server, Ws2Def.AF_INET);
        Assert.Equal(NtStatus.Success, await SendAsync(b, [5], await LocalAsync(a)));
        Assert.Equal(new byte[] { 5 }, (await ReceiveAsync(a)).Data);
    });

    private static Task<SockAddr> LocalAsync(WskSocket socket)
    {
        Assert.Equal(NtStatus.Success, Dg(socket).WskGetLocalAddress(socket, out SockAddr address, new Irp()));
        return Task.FromResult(address);
    }

    [Fact]
    public Task SIO_WSK_SET_REMOTE_ADDRESS_fixes_where_sends_go_and_whose_datagrams_are_accepted() => WithPairAsync(async (client, server, _) =>
    {
        var (a, aAddress) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        var (stranger, _) = Bound(server, Ws2Def.AF_INET);
        Assert.Equal(NtStatus.Success, Ioctl(a, WskConstants.SIO_WSK_SET_REMOTE_ADDRESS, bAddress));

        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], null)); // No remote: the fixed one.
        Assert.Equal(aAddress, (await ReceiveAsync(b)).From);
        Assert.Equal(NtStatus.Success, await SendAsync(stranger, [66], aAddress)); // Not accepted: dropped on arrival.
        Assert.Equal(NtStatus.Success, await SendAsync(b, [2], aAddress));

        Received got = await ReceiveAsync(a);
        Assert.Equal(new byte[] { 2 }, got.Data);
        Assert.Equal(bAddress, got.From);
    });

    [Fact]
    public Task SIO_WSK_SET_SENDTO_ADDRESS_fixes_where_sends_go_and_accepts_anyone() => WithPairAsync(async (client, server, _) =>
    {
        var (a, aAddress) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        var (other, otherAddress) = Bound(server, Ws2Def.AF_INET);
        Assert.Equal(NtStatus.Success, Ioctl(a, WskConstants.SIO_WSK_SET_SENDTO_ADDRESS, bAddress));

        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], null));
        Assert.Equal(aAddress, (await ReceiveAsync(b)).From);
        Assert.Equal(NtStatus.Success, await SendAsync(other, [3], aAddress));
        Received got = await ReceiveAsync(a);
        Assert.Equal(otherAddress, got.From);
    });

    [Fact]
    public Task WskSendMessages_sends_each_buffer_as_one_datagram_in_order() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        var list = new WskBufList(new WskBuf(new Mdl(new byte[] { 1 })))
        {
            Next = new WskBufList(new WskBuf(new Mdl(new byte[] { 2, 2 }))) { Next = new WskBufList(new WskBuf(Mdl.Chain(new byte[] { 3 }, new byte[] { 3, 3 })!)) },
        };
        var irp = new Irp();

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(Dg(a).WskSendMessages(a, list, 0, bAddress, 0, default, irp), irp));

        Assert.Equal((nuint)6, irp.IoStatus.Information);
        Assert.Equal(new byte[] { 1 }, (await ReceiveAsync(b)).Data);
        Assert.Equal(new byte[] { 2, 2 }, (await ReceiveAsync(b)).Data);
        Assert.Equal(new byte[] { 3, 3, 3 }, (await ReceiveAsync(b)).Data);
    });

    [Fact]
    public Task WskSendMessages_stops_at_a_datagram_the_host_refuses_with_its_status_and_the_bytes_sent_before_it() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        var list = new WskBufList(new WskBuf(new Mdl(new byte[] { 1 })))
        {
            Next = new WskBufList(new WskBuf(new Mdl(new byte[] { 2, 2 })))
            {
                Next = new WskBufList(new WskBuf(new Mdl(new byte[70_000]))) { Next = new WskBufList(new WskBuf(new Mdl(new byte[] { 4 }))) },
            },
        };
        var probe = new IrpProbe();

        // The third is longer than a UDP datagram can be (EMSGSIZE): the first two are out, the rest is not sent.
        NtStatus status = await WskTestClient.Complete(Dg(a).WskSendMessages(a, list, 0, bAddress, 0, default, probe.Irp), probe.Irp);

        Assert.Equal(NtStatus.InvalidParameter, status);
        Assert.Equal(1, probe.Count);
        Assert.Equal((nuint)3, probe.Irp.IoStatus.Information);
        Assert.Equal(new byte[] { 1 }, (await ReceiveAsync(b)).Data);
        Assert.Equal(new byte[] { 2, 2 }, (await ReceiveAsync(b)).Data);
        Assert.Equal(NtStatus.Success, await SendAsync(a, [9], bAddress));
        Assert.Equal(new byte[] { 9 }, (await ReceiveAsync(b)).Data); // Not [4]: nothing after the refused one left.
    });

    [Fact]
    public Task A_datagram_over_an_MDL_chain_leaves_whole_and_is_spread_over_a_receive_chain() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET);
        byte[] payload = RandomBytes(3000, 2);
        Mdl send = Mdl.Chain(payload.AsMemory(0, 7), payload.AsMemory(7, 1993), payload.AsMemory(2000))!;
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(Dg(a).WskSendTo(a, new WskBuf(send, 0, 3000), 0, bAddress, 0, default, irp), irp));
        byte[] first = new byte[10], second = new byte[4000];
        var receive = new Irp();

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(
            Dg(b).WskReceiveFrom(b, new WskBuf(Mdl.Chain(first, second)!, 0, 4010), 0, null, null, default, null, receive), receive));

        Assert.Equal((nuint)3000, receive.IoStatus.Information);
        Assert.Equal(payload, first.Concat(second.Take(2990)).ToArray());
    });

    [Fact]
    public Task WskReceiveFromEvent_indicates_datagrams_and_WskRelease_returns_the_ones_kept() => WithPairAsync(async (client, server, _) =>
    {
        var (a, aAddress) = Bound(client, Ws2Def.AF_INET);
        var seen = new System.Collections.Concurrent.BlockingCollection<(byte[] Data, SockAddr From, WskDatagramIndication Indication)>();
        bool keep = true;
        var dispatch = new WskClientDatagramDispatch((context, flags, indication) =>
        {
            byte[] data = new byte[(int)indication!.Buffer.Length];
            indication.Buffer.CopyTo(data);
            seen.Add((data, indication.RemoteAddress, indication));
            return keep ? NtStatus.Pending : NtStatus.Success;
        });
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));

        Assert.Equal(NtStatus.Success, await SendAsync(a, [4, 2], bAddress));
        Assert.True(seen.TryTake(out var first, TimeSpan.FromSeconds(20)));
        Assert.Equal(new byte[] { 4, 2 }, first.Data);
        Assert.Equal(aAddress, first.From);

        // Kept (STATUS_PENDING): the memory is the client's until WskRelease; released twice is refused.
        Assert.Equal(new byte[] { 4, 2 }, first.Indication.Buffer.Mdl!.Memory.ToArray());
        Assert.Equal(NtStatus.Success, Dg(b).WskRelease(b, first.Indication));
        Assert.Equal(NtStatus.InvalidParameter, Dg(b).WskRelease(b, first.Indication));

        keep = false;
        Assert.Equal(NtStatus.Success, await SendAsync(a, [8], bAddress));
        Assert.True(seen.TryTake(out var second, TimeSpan.FromSeconds(20)));
        Assert.Equal(new byte[] { 8 }, second.Data);
    });

    [Fact]
    public Task Static_event_callbacks_turn_on_WskReceiveFromEvent_for_datagram_sockets_made_afterwards() => WithPairAsync(async (client, server, _) =>
    {
        byte[] control = new byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE_FROM).WriteTo(control);
        Assert.Equal(NtStatus.Success, server.Npi.Dispatch.WskControlClient(server.Npi.Client, WskConstants.WSK_SET_STATIC_EVENT_CALLBACKS,
            (nuint)control.Length, control, 0, default, out nuint _, null));
        var seen = new System.Collections.Concurrent.BlockingCollection<byte[]>();
        var dispatch = new WskClientDatagramDispatch((_, _, indication) =>
        {
            byte[] data = new byte[(int)indication!.Buffer.Length];
            indication.Buffer.CopyTo(data);
            seen.Add(data);
            return NtStatus.Success;
        });
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, dispatch); // No SO_WSK_EVENT_CALLBACK on it.
        Assert.Equal(WskConstants.WSK_EVENT_RECEIVE_FROM, b.StaticEvents);

        Assert.Equal(NtStatus.Success, await SendAsync(a, [3, 1], bAddress));

        Assert.True(seen.TryTake(out byte[]? first, TimeSpan.FromSeconds(20)));
        Assert.Equal(new byte[] { 3, 1 }, first);

        // A static event is never disabled or enabled again on the socket.
        Assert.Equal(NtStatus.InvalidDeviceState, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM | WskConstants.WSK_EVENT_DISABLE));
        Assert.Equal(NtStatus.InvalidDeviceState, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));

        // A socket made afterwards without the callback in its dispatch has the event off.
        var (c, _) = Bound(server, Ws2Def.AF_INET);
        Assert.Equal(0u, c.StaticEvents);
    });

    [Fact]
    public Task An_indication_released_before_its_event_returns_is_released_once() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var results = new System.Collections.Concurrent.BlockingCollection<(NtStatus First, NtStatus Second)>();
        WskSocket? b = null;
        var dispatch = new WskClientDatagramDispatch((_, _, indication) =>
        {
            // As a driver that hands the indication to a worker which finishes before the callback returns.
            NtStatus first = Dg(b!).WskRelease(b!, indication!);
            NtStatus second = Dg(b!).WskRelease(b!, indication!);
            results.Add((first, second));
            return NtStatus.Pending;
        });
        (b, SockAddr bAddress) = Bound(server, Ws2Def.AF_INET, dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));

        for (int i = 0; i < 3; i++) // the memory came back each time: the next datagram reuses it
        {
            Assert.Equal(NtStatus.Success, await SendAsync(a, [(byte)i], bAddress));
            Assert.True(results.TryTake(out var released, TimeSpan.FromSeconds(20)));
            Assert.Equal((NtStatus.Success, NtStatus.InvalidParameter), released);
        }
    });

    [Fact]
    public Task A_datagram_the_event_does_not_accept_stays_for_WskReceiveFrom() => WithPairAsync(async (client, server, _) =>
    {
        var (a, aAddress) = Bound(client, Ws2Def.AF_INET);
        using var indicated = new SemaphoreSlim(0);
        var dispatch = new WskClientDatagramDispatch((_, _, _) =>
        {
            indicated.Release();
            return NtStatus.DataNotAccepted;
        });
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        Assert.Equal(NtStatus.Success, await SendAsync(a, [6, 6, 6], bAddress));
        Assert.True(await indicated.WaitAsync(TimeSpan.FromSeconds(20)));

        Received got = await ReceiveAsync(b);

        Assert.Equal(new byte[] { 6, 6, 6 }, got.Data);
        Assert.Equal(aAddress, got.From);
    });

    /// <summary>Sends one datagram [i, i] for each i in <paramref name="values"/> from <paramref name="from"/> and waits until
    /// all are in <paramref name="to"/>'s queue (while its event is still off, so one event can see them all).</summary>
    private static async Task SendWaitingAsync(TestTransport transport, WskSocket from, SockAddr to, IEnumerable<int> values)
    {
        long bytes = transport.DatagramBytes;
        foreach (int i in values)
        {
            Assert.Equal(NtStatus.Success, await SendAsync(from, [(byte)i, (byte)i], to));
            bytes += 2;
        }

        await transport.AwaitDatagramBytesAsync(bytes);
    }

    /// <summary>What one WskReceiveFromEvent was given: each entry of its list (bytes, sender) and the list itself.</summary>
    private protected sealed record IndicatedList(List<(byte[] Data, SockAddr From)> Entries, WskDatagramIndication? Head);

    /// <summary>A datagram dispatch that records each list it is given and answers with <paramref name="answer"/> (by call number).</summary>
    private static WskClientDatagramDispatch Recording(System.Collections.Concurrent.BlockingCollection<IndicatedList> lists, Func<int, NtStatus> answer)
    {
        int calls = 0;
        return new WskClientDatagramDispatch((_, _, indication) =>
        {
            var entries = new List<(byte[] Data, SockAddr From)>();
            for (WskDatagramIndication? i = indication; i is not null; i = i.Next)
            {
                byte[] data = new byte[(int)i.Buffer.Length];
                i.Buffer.CopyTo(data);
                entries.Add((data, i.RemoteAddress));
            }

            NtStatus status = answer(calls++);
            lists.Add(new IndicatedList(entries, indication));
            return status;
        });
    }

    private static IndicatedList Next(System.Collections.Concurrent.BlockingCollection<IndicatedList> lists)
    {
        Assert.True(lists.TryTake(out IndicatedList? list, TimeSpan.FromSeconds(20)), "no receive-from event came");
        return list!;
    }

    private static byte[][] Pairs(int from, int count) => Enumerable.Range(from, count).Select(i => new[] { (byte)i, (byte)i }).ToArray();

    [Fact]
    public Task WskReceiveFromEvent_indicates_the_datagrams_waiting_as_one_list_in_order_up_to_its_limit() => WithPairAsync(async (client, server, transport) =>
    {
        const int limit = WskSharp.Internal.DatagramEngine.IndicationListLimit;
        var (a, aAddress) = Bound(client, Ws2Def.AF_INET);
        using var lists = new System.Collections.Concurrent.BlockingCollection<IndicatedList>();
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, Recording(lists, _ => NtStatus.Success));
        await SendWaitingAsync(transport, a, bAddress, Enumerable.Range(0, limit + 2));

        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));

        IndicatedList first = Next(lists);
        IndicatedList second = Next(lists);
        Assert.Equal(Pairs(0, limit), first.Entries.Select(e => e.Data).ToArray()); // One event for all it could take, in order.
        Assert.All(first.Entries, e => Assert.Equal(aAddress, e.From));
        Assert.Equal(Pairs(limit, 2), second.Entries.Select(e => e.Data).ToArray()); // The rest in the next.
    });

    [Fact]
    public Task A_list_kept_with_PENDING_is_the_clients_until_WskRelease_of_it_gives_every_entry_back() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        using var lists = new System.Collections.Concurrent.BlockingCollection<IndicatedList>();
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, Recording(lists, call => call == 0 ? NtStatus.Pending : NtStatus.Success));
        await SendWaitingAsync(transport, a, bAddress, [1, 2, 3]);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));

        IndicatedList kept = Next(lists);
        Assert.Equal(3, kept.Entries.Count);
        WskDatagramIndication head = kept.Head!;
        WskDatagramIndication[] entries = [head, head.Next!, head.Next!.Next!];

        // Kept: each entry still reads as indicated until the list is released, through its head, all at once.
        Assert.Equal(Pairs(1, 3), entries.Select(e => e.Buffer.Mdl!.Memory.ToArray()).ToArray());
        Assert.Equal(NtStatus.Success, Dg(b).WskRelease(b, head));
        Assert.All(entries, e => Assert.Equal(NtStatus.InvalidParameter, Dg(b).WskRelease(b, e))); // Each given back already.

        Assert.Equal(NtStatus.Success, await SendAsync(a, [9], bAddress)); // Events go on.
        Assert.Equal(new byte[] { 9 }, Next(lists).Entries.Single().Data);
    });

    [Fact]
    public Task A_kept_list_split_by_its_client_is_released_part_by_part() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        using var lists = new System.Collections.Concurrent.BlockingCollection<IndicatedList>();
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, Recording(lists, _ => NtStatus.Pending));
        await SendWaitingAsync(transport, a, bAddress, [1, 2, 3]);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        WskDatagramIndication head = Next(lists).Head!;
        WskDatagramIndication tail = head.Next!;
        WskDatagramIndication last = tail.Next!;

        head.Next = null; // The driver keeps the first and hands the rest on.

        Assert.Equal(NtStatus.Success, Dg(b).WskRelease(b, tail)); // The second and the third.
        Assert.Equal(NtStatus.InvalidParameter, Dg(b).WskRelease(b, last));
        Assert.Equal(NtStatus.Success, Dg(b).WskRelease(b, head)); // The first, alone.
        Assert.Equal(NtStatus.InvalidParameter, Dg(b).WskRelease(b, head));
    });

    [Fact]
    public Task A_list_the_event_does_not_accept_stays_whole_and_in_order_for_WskReceiveFrom_and_events_resume_after() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, aAddress) = Bound(client, Ws2Def.AF_INET);
        using var lists = new System.Collections.Concurrent.BlockingCollection<IndicatedList>();
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, Recording(lists, call => call == 0 ? NtStatus.DataNotAccepted : NtStatus.Success));
        await SendWaitingAsync(transport, a, bAddress, [1, 2, 3]);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        Assert.Equal(3, Next(lists).Entries.Count);

        foreach (byte i in new byte[] { 1, 2, 3 })
        {
            Received got = await ReceiveAsync(b);
            Assert.Equal(new[] { i, i }, got.Data);
            Assert.Equal(aAddress, got.From);
        }

        Assert.Equal(NtStatus.Success, await SendAsync(a, [7], bAddress));
        Assert.Equal(new byte[] { 7 }, Next(lists).Entries.Single().Data);
    });

    [Fact]
    public Task A_WskReceiveFrom_that_waits_while_the_event_runs_gets_the_datagram_the_event_then_refuses() => WithPairAsync(async (client, server, transport) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        using var entered = new SemaphoreSlim(0);
        using var answer = new SemaphoreSlim(0);
        var dispatch = new WskClientDatagramDispatch((_, _, _) =>
        {
            entered.Release();
            Assert.True(answer.Wait(TimeSpan.FromSeconds(20)));
            return NtStatus.DataNotAccepted;
        });
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, dispatch);
        await SendWaitingAsync(transport, a, bAddress, [4]);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(20)));

        // The datagram is the event's now: the receive finds nothing and waits; then the event refuses it.
        var probe = new IrpProbe();
        byte[] buffer = new byte[16];
        Assert.Equal(NtStatus.Pending, Dg(b).WskReceiveFrom(b, new WskBuf(new Mdl(buffer)), 0, null, null, default, null, probe.Irp));
        answer.Release();

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(NtStatus.Pending, probe.Irp));
        Assert.Equal((nuint)2, probe.Irp.IoStatus.Information);
        Assert.Equal(new byte[] { 4, 4 }, buffer[..2]);
    });

    /// <summary>WskCloseSocket while the receive-from event runs (from another thread the callback waits for, or from inside
    /// the callback): in-progress callbacks return before a close completes, so the close returns STATUS_PENDING, its IRP
    /// completes only after the callback has returned, and the client counts the socket until then. (It completed inline
    /// while the callback still ran.)</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task A_close_while_the_receive_from_event_runs_completes_after_the_callback_returns(bool fromAnotherThread) => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        WskSocket? b = null;
        var closeIrp = new Irp();
        int inCallback = 0, events = 0, countedInCallback = -1;
        bool? completedInCallback = null;
        NtStatus closeReturned = NtStatus.Unsuccessful;
        var closeCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        closeIrp.SetCompletionRoutine((_, _) =>
        {
            completedInCallback = Volatile.Read(ref inCallback) == 1;
            return NtStatus.Success;
        }, null);
        NtStatus Close() => Dg(b!).WskCloseSocket(b!, closeIrp);
        var dispatch = new WskClientDatagramDispatch((_, _, _) =>
        {
            if (Interlocked.Increment(ref events) > 1)
            {
                return NtStatus.Success;
            }

            Volatile.Write(ref inCallback, 1);
            closeReturned = fromAnotherThread ? Task.Run(Close).GetAwaiter().GetResult() : Close();
            countedInCallback = b!.Client.OpenSockets;
            closeCalled.SetResult();
            Volatile.Write(ref inCallback, 0);
            return NtStatus.Success;
        });
        (b, SockAddr bAddress) = Bound(server, Ws2Def.AF_INET, dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        int open = b!.Client.OpenSockets;

        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], bAddress));
        await closeCalled.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await closeIrp.AsValueTask().AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        Assert.Equal(NtStatus.Pending, closeReturned);
        Assert.True(closeIrp.PendingReturned);
        Assert.False(completedInCallback);
        Assert.Equal(open, countedInCallback); // Still counted while the callback ran,
        Assert.Equal(open - 1, b!.Client.OpenSockets); // and no longer once the close completed.
        Assert.Equal(1, Volatile.Read(ref events));
        Assert.Equal(NtStatus.InvalidHandle, Dg(b).WskCloseSocket(b, new Irp())); // Closed once.
    });

    /// <summary>WSK_EVENT_RECEIVE_FROM | WSK_EVENT_DISABLE from another thread while the receive-from event runs (the callback
    /// waits for it): the callback has not returned, and the disable says so: STATUS_EVENT_PENDING without an IRP; with one,
    /// STATUS_PENDING and the IRP completes once the callback has returned. No event follows: the next datagram waits for
    /// WskReceiveFrom. (It returned STATUS_SUCCESS while the callback still ran, and refused the IRP.)</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Disabling_the_receive_from_event_while_its_callback_runs_waits_for_the_callback_to_return(bool withIrp) => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        WskSocket? b = null;
        Irp? irp = withIrp ? new Irp() : null;
        int inCallback = 0, events = 0;
        bool? completedInCallback = null;
        NtStatus disableReturned = NtStatus.Unsuccessful;
        var disableCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        irp?.SetCompletionRoutine((_, _) =>
        {
            completedInCallback = Volatile.Read(ref inCallback) == 1;
            return NtStatus.Success;
        }, null);
        NtStatus Disable()
        {
            byte[] input = new byte[WskEventCallbackControl.Size];
            new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE_FROM | WskConstants.WSK_EVENT_DISABLE)
                .WriteTo(input);
            return Dg(b!).WskControlSocket(b!, WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET,
                (nuint)input.Length, input, 0, default, out nuint _, irp);
        }

        var dispatch = new WskClientDatagramDispatch((_, _, _) =>
        {
            if (Interlocked.Increment(ref events) > 1)
            {
                return NtStatus.Success;
            }

            Volatile.Write(ref inCallback, 1);
            disableReturned = Task.Run(Disable).GetAwaiter().GetResult();
            disableCalled.SetResult();
            Volatile.Write(ref inCallback, 0);
            return NtStatus.Success;
        });
        (b, SockAddr bAddress) = Bound(server, Ws2Def.AF_INET, dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));

        Assert.Equal(NtStatus.Success, await SendAsync(a, [1], bAddress));
        await disableCalled.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        if (irp is null)
        {
            Assert.Equal(NtStatus.EventPending, disableReturned);
        }
        else
        {
            Assert.Equal(NtStatus.Pending, disableReturned);
            Assert.Equal(NtStatus.Success, await irp.AsValueTask().AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
            Assert.True(irp.PendingReturned);
            Assert.False(completedInCallback);
        }

        Assert.Equal(NtStatus.Success, await SendAsync(a, [2], bAddress));
        Assert.Equal(new byte[] { 2 }, (await ReceiveAsync(b)).Data); // Disabled: left for WskReceiveFrom.
        Assert.Equal(1, Volatile.Read(ref events));
    });

    /// <summary>WSK_EVENT_DISABLE with an IRP while no callback runs: STATUS_SUCCESS, the IRP completed once with it, the event
    /// off. (An IRP was refused with STATUS_INVALID_PARAMETER; only enabling takes none.)</summary>
    [Fact]
    public Task Disabling_the_receive_from_event_with_an_IRP_while_no_callback_runs_completes_it_at_once() => WithPairAsync(async (client, server, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        int events = 0;
        var dispatch = new WskClientDatagramDispatch((_, _, _) =>
        {
            Interlocked.Increment(ref events);
            return NtStatus.Success;
        });
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        byte[] input = new byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE_FROM | WskConstants.WSK_EVENT_DISABLE)
            .WriteTo(input);
        var probe = new IrpProbe();

        Assert.Equal(NtStatus.Success, Dg(b).WskControlSocket(b, WskControlSocketType.WskSetOption, Ws2Def.SO_WSK_EVENT_CALLBACK,
            Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 0, default, out nuint _, probe.Irp));

        Assert.Equal(1, probe.Count);
        Assert.Equal(NtStatus.Success, probe.Irp.IoStatus.Status);
        Assert.Equal(NtStatus.Success, await SendAsync(a, [3], bAddress));
        Assert.Equal(new byte[] { 3 }, (await ReceiveAsync(b)).Data); // Off: left for WskReceiveFrom.
        Assert.Equal(0, Volatile.Read(ref events));
    });

    [Fact]
    public Task Datagrams_queued_while_refused_ones_wait_are_indicated_once_WskReceiveFrom_has_taken_those() => WithPairAsync(async (client, server, transport) =>
    {
        // More wait than one list holds: the first list is refused, the rest stay in the host, which has reported them
        // readable already and will not again (edge-triggered). Taking the refused ones must bring the rest without new data.
        const int limit = WskSharp.Internal.DatagramEngine.IndicationListLimit;
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        using var lists = new System.Collections.Concurrent.BlockingCollection<IndicatedList>();
        var (b, bAddress) = Bound(server, Ws2Def.AF_INET, Recording(lists, call => call == 0 ? NtStatus.DataNotAccepted : NtStatus.Success));
        await SendWaitingAsync(transport, a, bAddress, Enumerable.Range(0, limit + 2));
        Assert.Equal(NtStatus.Success, WskEvents.Enable(b, WskConstants.WSK_EVENT_RECEIVE_FROM));
        Assert.Equal(limit, Next(lists).Entries.Count);

        for (int i = 0; i < limit; i++)
        {
            Assert.Equal(new[] { (byte)i, (byte)i }, (await ReceiveAsync(b)).Data);
        }

        Assert.Equal(Pairs(limit, 2), Next(lists).Entries.Select(e => e.Data).ToArray());
    });

    [Fact]
    public Task WskCloseSocket_and_IoCancelIrp_complete_pending_receives_once_with_CANCELLED() => WithPairAsync(async (client, _, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        var cancelled = new IrpProbe();
        var closed = new IrpProbe();
        Assert.Equal(NtStatus.Pending, Dg(a).WskReceiveFrom(a, new WskBuf(new Mdl(new byte[10])), 0, null, null, default, null, cancelled.Irp));
        Assert.Equal(NtStatus.Pending, Dg(a).WskReceiveFrom(a, new WskBuf(new Mdl(new byte[10])), 0, null, null, default, null, closed.Irp));

        Assert.True(cancelled.Irp.Cancel());
        Assert.Equal(NtStatus.Cancelled, await WskTestClient.Complete(NtStatus.Pending, cancelled.Irp));
        Assert.Equal(NtStatus.Success, Dg(a).WskCloseSocket(a, new Irp()));
        Assert.Equal(NtStatus.Cancelled, await WskTestClient.Complete(NtStatus.Pending, closed.Irp));
        Assert.Equal(1, cancelled.Count);
        Assert.Equal(1, closed.Count);
        Assert.Equal(NtStatus.InvalidHandle, Dg(a).WskSendTo(a, new WskBuf(new Mdl(new byte[1])), 0, null, 0, default, new Irp()));
    });

    [Fact]
    public Task A_SOCK_DGRAM_socket_created_as_a_listening_socket_exists_and_its_WskBind_is_NOT_IMPLEMENTED() => WithPairAsync((client, _, _) =>
    {
        WskSocket socket = Create(client, Ws2Def.AF_INET, flags: WskConstants.WSK_FLAG_LISTEN_SOCKET);
        var listen = Assert.IsType<WskProviderListenDispatch>(socket.Dispatch);
        var probe = new IrpProbe();

        Assert.Equal(NtStatus.NotImplemented, listen.WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, probe.Irp));

        Assert.Equal(1, probe.Count);
        Assert.Equal(NtStatus.NotImplemented, probe.Irp.IoStatus.Status);
        return Task.CompletedTask;
    });

    [Theory]
    [InlineData(Ws2Def.SO_RCVBUF)]
    [InlineData(Ws2Def.SO_SNDBUF)]
    public Task A_buffer_size_is_read_back_as_set_as_on_a_stream_socket(uint name) => WithPairAsync((client, _, _) =>
    {
        // Windows reports the size a client set; Linux keeps (and reports) twice that for its bookkeeping.
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        SetOption(a, Ws2Def.SOL_SOCKET, name, 65_536);
        byte[] output = new byte[4];

        Assert.Equal(NtStatus.Success, Dg(a).WskControlSocket(a, WskControlSocketType.WskGetOption, name, Ws2Def.SOL_SOCKET,
            0, default, 4, output, out nuint returned, null));

        Assert.Equal(4u, (uint)returned);
        Assert.Equal(65_536u, BinaryPrimitives.ReadUInt32LittleEndian(output));
        return Task.CompletedTask;
    });

    [Fact]
    public Task SO_BROADCAST_is_off_until_set_and_a_broadcast_without_it_is_ACCESS_DENIED() => WithPairAsync(async (client, _, _) =>
    {
        var (a, _) = Bound(client, Ws2Def.AF_INET);
        byte[] output = new byte[4];
        Assert.Equal(NtStatus.Success, Dg(a).WskControlSocket(a, WskControlSocketType.WskGetOption, Ws2Def.SO_BROADCAST, Ws2Def.SOL_SOCKET,
            0, default, 4, output, out nuint returned, null));
        Assert.Equal(4u, (uint)returned);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(output));

        // Refused before anything leaves the host (nothing is sent in this test).
        Assert.Equal(NtStatus.AccessDenied, await SendAsync(a, [1], SockAddr.Inet([255, 255, 255, 255], 9)));

        SetOption(a, Ws2Def.SOL_SOCKET, Ws2Def.SO_BROADCAST, 1);
        Assert.Equal(NtStatus.Success, Dg(a).WskControlSocket(a, WskControlSocketType.WskGetOption, Ws2Def.SO_BROADCAST, Ws2Def.SOL_SOCKET,
            0, default, 4, output, out _, null));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(output));
    });
}
