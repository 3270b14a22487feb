using System.Runtime.CompilerServices;
using WskSharp.Lab;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Transport.Linux;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Transport;

/// <summary>
/// WskSendMessages on Linux: one sendmmsg for a list (up to 1,024 datagrams a call), and a list the kernel takes only part
/// of (its send buffer full) goes on from where it stopped when there is room, the IRP completing once with every byte.
/// </summary>
public sealed class LinuxDatagramSendManyTests
{
    [Theory]
    [InlineData(100, 1)]
    [InlineData(1500, 2)] // 1,024 then 476
    public async Task A_list_leaves_in_one_sendmmsg_per_1024_datagrams(int datagrams, int syscalls)
    {
        using LinuxHostStack linux = LinuxHostStack.Create(1, null);
        var stack = new CapturingHostStack(linux);
        using var client = new WskTestClient(new WskProviderOptions { HostStack = stack });
        WskSocket a = Bound(client, out _);
        WskSocket b = Bound(client, out SockAddr bAddress);
        var host = Assert.IsType<LinuxHostDatagramSocket>(stack.Datagrams[0]);
        Assert.Equal(NtStatus.Success, Dg(b).WskControlSocket(b, WskControlSocketType.WskSetOption, Ws2Def.SO_RCVBUF, Ws2Def.SOL_SOCKET, 4,
            BitConverter.GetBytes(4 << 20), 0, default, out _, new Irp())); // room for them all
        WskBufList list = List(datagrams, 16);
        var irp = new Irp();

        NtStatus status = await WskTestClient.Complete(Dg(a).WskSendMessages(a, list, 0, bAddress, 0, default, irp), irp);

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal((nuint)(datagrams * 16), irp.IoStatus.Information);
        Assert.Equal(syscalls, host.SendManySyscalls);
        for (int i = 0; i < datagrams; i++) // each arrives, whole and in order
        {
            Assert.Equal(Payload(i, 16), await ReceiveAsync(b));
        }
    }

    [Fact]
    public async Task A_list_the_kernel_takes_only_part_of_goes_on_when_there_is_room_and_completes_once_with_every_byte()
    {
        if (NetworkNamespace.WhyNot is { } why)
        {
            Assert.Skip($"Needs a network namespace (root) with a slow queue on its loopback: {why}");
        }

        using var ns = NetworkNamespace.Create("wsk-dgsendmany");

        // A token bucket on lo lets about 1,000 B out every 40 ms; queued datagrams keep their send-buffer charge, so a
        // socket with the smallest send buffer soon finds no room (as in LinuxDatagramReadinessTests).
        NetworkNamespace.Run("ip", "netns", "exec", ns.Name, "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "200kbit",
            "burst", "1600", "limit", "1000000");
        Assert.Equal(NtStatus.Success, LinuxHostStack.Open(ns.Name, 1, null, out LinuxHostStack? opened));
        using LinuxHostStack linux = opened!;
        var stack = new CapturingHostStack(linux);
        using var client = new WskTestClient(new WskProviderOptions { HostStack = stack });
        WskSocket a = Bound(client, out _);
        WskSocket b = Bound(client, out SockAddr bAddress);
        var host = Assert.IsType<LinuxHostDatagramSocket>(stack.Datagrams[0]);
        Assert.Equal(NtStatus.Success, Dg(a).WskControlSocket(a, WskControlSocketType.WskSetOption, Ws2Def.SO_SNDBUF, Ws2Def.SOL_SOCKET, 4,
            BitConverter.GetBytes(1), 0, default, out _, new Irp()));
        const int datagrams = 12;
        var probe = new IrpProbe();

        NtStatus returned = Dg(a).WskSendMessages(a, List(datagrams, 1000), 0, bAddress, 0, default, probe.Irp);

        Assert.Equal(NtStatus.Pending, returned); // The kernel took part of the list, then had no room.
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));
        Assert.Equal(1, probe.Count);
        Assert.Equal((nuint)(datagrams * 1000), probe.Irp.IoStatus.Information);
        Assert.True(host.SendManySyscalls >= 2, $"{host.SendManySyscalls} sendmmsg calls");
        for (int i = 0; i < datagrams; i++)
        {
            Assert.Equal(Payload(i, 1000), await ReceiveAsync(b)); // Each whole, once, in order.
        }
    }

    private static byte[] Payload(int index, int length)
    {
        byte[] payload = new byte[length];
        payload.AsSpan().Fill((byte)index);
        payload[0] = (byte)(index >> 8);
        return payload;
    }

    private static WskBufList List(int count, int length)
    {
        WskBufList? list = null;
        for (int i = count - 1; i >= 0; i--)
        {
            list = new WskBufList(new WskBuf(new Mdl(Payload(i, length)))) { Next = list };
        }

        return list!;
    }

    private static async Task<byte[]> ReceiveAsync(WskSocket socket)
    {
        byte[] buffer = new byte[2048];
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(
            Dg(socket).WskReceiveFrom(socket, new WskBuf(new Mdl(buffer)), 0, null, null, default, null, irp), irp));
        return buffer[..(int)irp.IoStatus.Information];
    }

    private static WskProviderDatagramDispatch Dg(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;

    private static WskSocket Bound(WskTestClient client, out SockAddr address) => client.BoundDatagram(out address);
}
