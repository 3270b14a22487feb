using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>WskDisconnect, graceful and abortive, as the peer sees it (FIN vs RST) and as the socket goes on.</summary>
public sealed class DisconnectTests : IDisposable
{
    private readonly WskTestClient _client = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public DisconnectTests() => _listener.Start();

    private async Task<(WskSocket Socket, Socket Peer)> ConnectAsync()
    {
        WskSocket socket = await _client.ConnectAsync(SockAddr.FromEndPoint((IPEndPoint)_listener.LocalEndpoint));
        Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        return (socket, peer);
    }

    private static async Task<(byte[] Data, bool Reset)> ReadToEndAsync(Socket peer)
    {
        var all = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await peer.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken).AsTask()
                    .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
                if (n == 0)
                {
                    return ([.. all], false);
                }

                all.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return ([.. all], true);
        }
    }

    [Fact]
    public async Task A_graceful_disconnect_sends_its_final_buffer_then_FIN_and_receiving_goes_on()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var dispatch = WskTestClient.Connection(socket);
            byte[] queued = WskConnectExTests.RandomBytes(100_000, seed: 1);
            byte[] last = WskConnectExTests.RandomBytes(1000, seed: 2);
            var sendIrp = new Irp();
            NtStatus sending = dispatch.WskSend(socket, new WskBuf(new Mdl(queued)), 0, sendIrp);
            var irp = new Irp();
            NtStatus returned = dispatch.WskDisconnect(socket, new WskBuf(new Mdl(last)), 0, irp);

            var (data, reset) = await ReadToEndAsync(peer);
            Assert.False(reset);
            Assert.Equal([.. queued, .. last], data); // in order: the queued send, then the final buffer, then FIN
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(sending, sendIrp));
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
            Assert.Equal((nuint)1000, irp.IoStatus.Information);

            // No more sends; receiving goes on until the peer closes.
            var after = new Irp();
            Assert.Equal(NtStatus.InvalidDeviceState, dispatch.WskSend(socket, new WskBuf(new Mdl(new byte[1])), 0, after));
            await peer.SendAsync(new byte[] { 42 }, SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.Equal(new byte[] { 42 }, await WskTestClient.ReceiveAsync(socket, 1));
            peer.Shutdown(SocketShutdown.Send);
            var end = new Irp();
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(dispatch.WskReceive(socket, new WskBuf(new Mdl(new byte[10])), 0, end), end));
            Assert.Equal(0u, end.IoStatus.Information); // 0 = the peer closed gracefully
        }
    }

    [Fact]
    public async Task An_abortive_disconnect_resets_the_connection_and_cancels_pending_receives()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var dispatch = WskTestClient.Connection(socket);
            var receive = new Irp();
            Assert.Equal(NtStatus.Pending, dispatch.WskReceive(socket, new WskBuf(new Mdl(new byte[10])), 0, receive));
            var irp = new Irp();
            Assert.Equal(NtStatus.Success, dispatch.WskDisconnect(socket, null, WskConstants.WSK_FLAG_ABORTIVE, irp));
            Assert.Equal(NtStatus.Cancelled, await receive);

            var (_, reset) = await ReadToEndAsync(peer);
            Assert.True(reset, "the peer should see RST");

            // The socket is no longer functional; close still works.
            var again = new Irp();
            Assert.Equal(NtStatus.FileForcedClosed, dispatch.WskSend(socket, new WskBuf(new Mdl(new byte[1])), 0, again));
            Assert.Equal(NtStatus.Success, dispatch.Basic.WskCloseSocket(socket, new Irp()));
        }
    }

    [Fact]
    public async Task Bad_disconnects_are_refused_with_their_status()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var dispatch = WskTestClient.Connection(socket);
            var irp = new Irp();
            Assert.Equal(NtStatus.InvalidParameter, dispatch.WskDisconnect(socket, new WskBuf(new Mdl(new byte[4])), WskConstants.WSK_FLAG_ABORTIVE, irp));
            Assert.Equal(NtStatus.InvalidParameter, irp.IoStatus.Status);
            Assert.Equal(NtStatus.InvalidParameter, dispatch.WskDisconnect(socket, null, 0x10, irp));
            Assert.Equal(NtStatus.InvalidParameter, dispatch.WskDisconnect(socket, new WskBuf(new Mdl(new byte[4]), 0, 5), 0, irp));
        }

        WskSocket unconnected = _client.CreateBoundSocket();
        var before = new Irp();
        Assert.Equal(NtStatus.InvalidDeviceState, WskTestClient.Connection(unconnected).WskDisconnect(unconnected, null, 0, before));
        Assert.Equal(NtStatus.InvalidDeviceState, before.IoStatus.Status);
    }

    [Fact]
    public async Task A_second_graceful_disconnect_is_refused()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var dispatch = WskTestClient.Connection(socket);
            var irp = new Irp();
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(dispatch.WskDisconnect(socket, null, 0, irp), irp));
            Assert.Equal(NtStatus.InvalidDeviceState, dispatch.WskDisconnect(socket, null, 0, irp));
        }
    }

    [Fact]
    public async Task A_closed_socket_says_so_before_its_receive_flags_are_judged()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var dispatch = WskTestClient.Connection(socket);
            Assert.Equal(NtStatus.InvalidParameter, dispatch.WskReceive(socket, new WskBuf(new Mdl(new byte[8])), WskConstants.WSK_FLAG_DRAIN, new Irp()));
            Assert.Equal(NtStatus.Success, dispatch.Basic.WskCloseSocket(socket, new Irp()));
            Assert.Equal(NtStatus.InvalidHandle, dispatch.WskReceive(socket, new WskBuf(new Mdl(new byte[8])), WskConstants.WSK_FLAG_DRAIN, new Irp()));
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _listener.Stop();
        _listener.Dispose();
    }
}
