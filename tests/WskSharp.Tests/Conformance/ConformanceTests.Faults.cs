using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>The faults of issue 13 that every transport must get right: the disconnect event on its own, and requests over
/// the longest MDL chain a caller may pass.</summary>
public abstract partial class ConformanceTests
{
    /// <summary>WSK_EVENT_DISCONNECT enabled alone (no receive event): the peer's graceful close must be indicated, whether
    /// nobody reads or a WskReceive has read the data and the FIN first.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task The_disconnect_event_alone_is_indicated_on_the_peers_graceful_close(bool receiveTheFinFirst) => WithPairAsync(async (client, server, _) =>
    {
        var disconnected = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatch = new WskClientConnectionDispatch(WskDisconnectEvent: (_, flags) =>
        {
            disconnected.TrySetResult(flags);
            return NtStatus.Success;
        });
        var (listener, address) = server.CreateListener();
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        WskSocket socket = await client.ConnectAsync(address, clientDispatch: dispatch);
        WskSocket peer = await accepting;
        Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_DISCONNECT));

        var close = new Irp();
        WskBuf? last = receiveTheFinFirst ? new WskBuf(new Mdl(new byte[] { 7 })) : null;
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(Conn(peer).WskDisconnect(peer, last, 0, close), close));
        if (receiveTheFinFirst)
        {
            Assert.Equal(new byte[] { 7 }, await WskTestClient.ReceiveAsync(socket, 1));
            var end = new Irp();
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(Conn(socket).WskReceive(socket, new WskBuf(new Mdl(new byte[4])), 0, end), end));
            Assert.Equal(0u, end.IoStatus.Information); // The FIN, read by WskReceive.
        }

        Assert.Equal(0u, await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct)); // Graceful: no WSK_FLAG_ABORTIVE.
    });

    /// <summary>A send and a WAITALL receive over 65,536 one-byte MDLs (the longest chain WskSharp takes) move every byte
    /// in order and follow each link of their chain about once, not once per segment (a quadratic walk took seconds with
    /// the socket's lock held).</summary>
    [Fact]
    public Task A_send_and_a_receive_over_65536_one_byte_MDLs_walk_their_chains_once() => WithPairAsync(async (client, server, _) =>
    {
        const int count = WskBuf.MaxChainLength;
        var (a, b) = await client.ConnectPairAsync(server);
        byte[] sent = RandomBytes(count, seed: 11);
        byte[] received = new byte[count];
        Mdl sendChain = OneByteChain(sent);
        Mdl receiveChain = OneByteChain(received);

        var receive = new Irp();
        NtStatus receiving = Conn(b).WskReceive(b, new WskBuf(receiveChain, 0, count), WskConstants.WSK_FLAG_WAITALL, receive);
        var send = new Irp();
        NtStatus sending = Conn(a).WskSend(a, new WskBuf(sendChain, 0, count), 0, send);

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(sending, send));
        Assert.Equal((nuint)count, send.IoStatus.Information);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(receiving, receive));
        Assert.Equal((nuint)count, receive.IoStatus.Information);
        Assert.Equal(sent, received);
        Assert.InRange(sendChain.LinksWalked, count - 1, 2L * count);
        Assert.InRange(receiveChain.LinksWalked, count - 1, 2L * count);
    });

    private static Mdl OneByteChain(byte[] bytes)
    {
        var head = new Mdl(bytes, 0, 1);
        Mdl tail = head;
        for (int i = 1; i < bytes.Length; i++)
        {
            tail = tail.Next = new Mdl(bytes, i, 1);
        }

        return head;
    }
}
