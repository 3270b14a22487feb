using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Transport.Linux;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Transport;

/// <summary>
/// MSG_CTRUNC that the Linux kernel sets: a receive has room for one packet-information message and a little more, so a
/// socket asked (here, beside IP_PKTINFO, through options WSK does not name) for more control data than that gets it cut
/// short by the kernel. WskReceiveFrom then reports MSG_CTRUNC in ControlFlags, as Windows does when control data was lost,
/// with the packet information that did fit.
/// </summary>
public sealed class LinuxDatagramControlTruncationTests
{
    private const int IP_RECVTTL = 12, IP_RECVTOS = 13; // Linux's numbers: each adds a control message to every receive

    [Fact]
    public async Task Control_data_the_kernel_cut_short_is_MSG_CTRUNC_in_WskReceiveFrom()
    {
        using LinuxHostStack linux = LinuxHostStack.Create(1, null);
        var stack = new CapturingHostStack(linux);
        using var client = new WskTestClient(new WskProviderOptions { HostStack = stack });
        WskSocket a = Bound(client, out _);
        WskSocket b = Bound(client, out SockAddr bAddress);
        var host = Assert.IsType<LinuxHostDatagramSocket>(stack.Datagrams[1]);
        byte[] on = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(on, 1);
        Assert.Equal(NtStatus.Success, Dg(b).WskControlSocket(b, WskControlSocketType.WskSetOption, Ws2Def.IP_PKTINFO, Ws2Def.IPPROTO_IP, 4, on,
            0, default, out _, new Irp()));
        Assert.Equal(NtStatus.Success, host.SetRawOption(Interop.IPPROTO_IP, IP_RECVTTL, 1));
        Assert.Equal(NtStatus.Success, host.SetRawOption(Interop.IPPROTO_IP, IP_RECVTOS, 1)); // pktinfo 32 + ttl 24 + tos 24 > 64 B
        var send = new Irp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(
            Dg(a).WskSendTo(a, new WskBuf(new Mdl(new byte[] { 5 })), 0, bAddress, 0, default, send), send));

        var receive = new Irp();
        byte[] control = new byte[256];
        var controlLength = new StrongBox<uint>((uint)control.Length);
        var flags = new StrongBox<uint>();
        NtStatus status = await WskTestClient.Complete(
            Dg(b).WskReceiveFrom(b, new WskBuf(new Mdl(new byte[16])), 0, null, controlLength, control, flags, receive), receive);

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(Ws2Def.MSG_CTRUNC, flags.Value); // Room enough in the client's buffer: the kernel cut it.
        Assert.Equal(24u, controlLength.Value); // The packet information came first and is whole.
        Assert.Equal(Ws2Def.IP_PKTINFO, BinaryPrimitives.ReadUInt32LittleEndian(control.AsSpan(12)));
    }

    private static WskProviderDatagramDispatch Dg(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;

    private static WskSocket Bound(WskTestClient client, out SockAddr address) => client.BoundDatagram(out address);
}
