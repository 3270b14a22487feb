using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>IoCancelIrp on pending connect, receive, send and accept: one completion, STATUS_CANCELLED, and what the socket can do after.</summary>
public sealed class CancellationTests : IDisposable
{
    private readonly WskTestClient _client = new();

    [Fact]
    public async Task Cancelling_a_pending_connect_completes_it_once_with_STATUS_CANCELLED()
    {
        using (FullAcceptQueue full = await FullAcceptQueue.OpenAsync())
        {
            WskSocket socket = _client.CreateBoundSocket();
            var irp = new Irp();
            int routine = 0;
            irp.SetCompletionRoutine((_, _) => { Interlocked.Increment(ref routine); return NtStatus.MoreProcessingRequired; }, null);
            NtStatus returned = WskTestClient.Connection(socket).WskConnectEx(socket, SockAddr.FromEndPoint(full.EndPoint),
                new WskBuf(new Mdl(new byte[10])), 0, irp);
            Assert.Equal(NtStatus.Pending, returned);
            Assert.True(irp.Cancel());
            Assert.Equal(NtStatus.Cancelled, await irp);
            Assert.Equal(1, routine);
            Assert.False(irp.Cancel());
            var after = new Irp();
            Assert.Equal(NtStatus.FileForcedClosed, WskTestClient.Connection(socket).WskConnect(socket, SockAddr.Inet([127, 0, 0, 1], 9), 0, after));
        }
    }

    [Fact]
    public async Task Cancelling_a_pending_receive_leaves_the_socket_working()
    {
        var (listener, address) = _client.CreateListener();
        WskSocket socket = await _client.ConnectAsync(address);
        WskSocket accepted = await _client.AcceptAsync(listener);
        var irp = new Irp();
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(socket).WskReceive(socket, new WskBuf(new Mdl(new byte[8])), 0, irp));
        Assert.True(irp.Cancel());
        Assert.Equal(NtStatus.Cancelled, await irp);
        Assert.Equal(0u, irp.IoStatus.Information);

        await WskTestClient.SendAsync(accepted, [1, 2]);
        Assert.Equal(new byte[] { 1, 2 }, await WskTestClient.ReceiveAsync(socket, 2));
    }

    [Fact]
    public async Task Cancelling_a_pending_accept_leaves_the_listener_working()
    {
        var (listener, address) = _client.CreateListener();
        var irp = new Irp();
        Assert.Equal(NtStatus.Pending, ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 0, null, null, null, null, irp));
        Assert.True(irp.Cancel());
        Assert.Equal(NtStatus.Cancelled, await irp);
        Assert.Null(irp.IoStatus.Pointer);

        await _client.ConnectAsync(address);
        Assert.NotNull(await _client.AcceptAsync(listener));
    }

    [Fact]
    public async Task Cancelling_a_send_part_way_completes_it_with_what_went_and_the_socket_is_no_longer_functional()
    {
        var (listener, address) = _client.CreateListener();
        WskSocket socket = await _client.ConnectAsync(address);
        _ = await _client.AcceptAsync(listener); // accepted, never read: the send fills the buffers and waits
        var irp = new Irp();
        byte[] big = new byte[64 * 1024 * 1024];
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(socket).WskSend(socket, new WskBuf(new Mdl(big)), 0, irp));
        Assert.True(irp.Cancel());
        Assert.Equal(NtStatus.Cancelled, await irp);
        Assert.InRange(irp.IoStatus.Information, (nuint)1, (nuint)big.Length - 1);
        Assert.Equal(NtStatus.FileForcedClosed, WskTestClient.Connection(socket).WskSend(socket, new WskBuf(new Mdl(new byte[1])), 0, new Irp()));
    }

    [Fact]
    public async Task A_cancel_racing_a_completion_yields_exactly_one_completion()
    {
        var (listener, address) = _client.CreateListener();
        WskSocket socket = await _client.ConnectAsync(address);
        WskSocket accepted = await _client.AcceptAsync(listener);
        var irp = new Irp();
        byte[] buffer = new byte[1];
        int received = 0, cancelled = 0;
        for (int i = 0; i < 300; i++)
        {
            long before = irp.CompletionCount;
            NtStatus returned = WskTestClient.Connection(socket).WskReceive(socket, new WskBuf(new Mdl(buffer)), 0, irp);
            var send = WskTestClient.SendAsync(accepted, [(byte)i]);
            if (returned == NtStatus.Pending)
            {
                irp.Cancel();
            }

            NtStatus final = await WskTestClient.Complete(returned, irp);
            await send;
            Assert.Equal(before + 1, irp.CompletionCount);
            if (final == NtStatus.Success)
            {
                received++;
                Assert.Equal((byte)i, buffer[0]);
            }
            else
            {
                Assert.Equal(NtStatus.Cancelled, final);
                cancelled++;
                Assert.Equal(new byte[] { (byte)i }, await WskTestClient.ReceiveAsync(socket, 1)); // the byte was not lost
            }
        }

        Assert.Equal(300, received + cancelled);
    }

    [Fact]
    public async Task Closing_a_socket_completes_its_pending_requests_with_STATUS_CANCELLED_before_the_close()
    {
        var (listener, address) = _client.CreateListener();
        WskSocket socket = await _client.ConnectAsync(address);
        _ = await _client.AcceptAsync(listener);
        var receive = new Irp();
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(socket).WskReceive(socket, new WskBuf(new Mdl(new byte[4])), 0, receive));
        var close = new Irp();
        bool receiveDoneFirst = false;
        close.SetCompletionRoutine((_, _) => { receiveDoneFirst = !receive.IsPending; return NtStatus.MoreProcessingRequired; }, null);
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(socket).Basic.WskCloseSocket(socket, close));
        Assert.True(receiveDoneFirst);
        Assert.Equal(NtStatus.Cancelled, await receive);
        Assert.Equal(NtStatus.InvalidHandle, WskTestClient.Connection(socket).WskReceive(socket, new WskBuf(new Mdl(new byte[4])), 0, new Irp()));
    }

    [Fact]
    public async Task A_receive_completes_with_a_null_Pointer_whatever_the_caller_wrote_while_it_was_pending()
    {
        var (listener, address) = _client.CreateListener();
        WskSocket socket = await _client.ConnectAsync(address);
        WskSocket accepted = await _client.AcceptAsync(listener);
        var irp = new Irp();
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(socket).WskReceive(socket, new WskBuf(new Mdl(new byte[1])), 0, irp));
        irp.IoStatus.Pointer = new object(); // a sentinel: only calls that return an object may leave one there
        await WskTestClient.SendAsync(accepted, [5]);
        Assert.Equal(NtStatus.Success, await irp);
        Assert.Null(irp.IoStatus.Pointer);
    }

    public void Dispose() => _client.Dispose();
}
