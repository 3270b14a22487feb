using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// One logging system: what goes wrong in caller code (a completion routine, an event callback that throws) is logged
/// through the registration's <see cref="WskProviderOptions.LoggerFactory"/>, with an event id, and nothing else breaks.
/// </summary>
public sealed class LoggingTests
{
    private static readonly IoCompletionRoutine s_throws = static (_, _) => throw new InvalidOperationException("routine bug");

    [Fact]
    public async Task A_completion_routine_that_throws_at_an_inline_completion_is_logged_through_the_registration()
    {
        var logs = new ListLoggerFactory();
        using var client = new WskTestClient(new WskProviderOptions { LoggerFactory = logs });
        var irp = new Irp();
        irp.SetCompletionRoutine(s_throws, null);

        NtStatus returned = client.Npi.Dispatch.WskSocket(client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);

        Assert.Equal(NtStatus.Success, returned);
        Assert.Equal(NtStatus.Success, await irp); // Its awaiter still resumes.
        client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
        AssertLoggedOnce(logs, "WskSharp.Irp", 21, LogLevel.Error);
    }

    [Fact]
    public async Task A_completion_routine_that_throws_on_the_event_loop_is_logged_and_the_loop_goes_on()
    {
        var logs = new ListLoggerFactory();
        using var client = new WskTestClient(new WskProviderOptions { LoggerFactory = logs });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        WskSocket socket = await client.ConnectAsync(SockAddr.FromEndPoint((IPEndPoint)listener.LocalEndpoint));
        using Socket peer = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        var irp = new Irp();
        irp.SetCompletionRoutine(s_throws, null);
        byte[] buffer = new byte[4];
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(socket).WskReceive(socket, new WskBuf(new Mdl(buffer)), 0, irp));

        await peer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, TestContext.Current.CancellationToken);

        Assert.Equal(NtStatus.Success, await irp); // Published after the routine returned (here: threw), so the log is in.
        Assert.Equal(3u, (uint)irp.IoStatus.Information);
        AssertLoggedOnce(logs, "WskSharp.Irp", 21, LogLevel.Error);
        await peer.SendAsync(new byte[] { 4 }, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 4 }, await WskTestClient.ReceiveAsync(socket, 1)); // The loop still serves the socket.
    }

    [Fact]
    public async Task A_receive_event_that_throws_is_logged_and_the_data_stays_for_WskReceive()
    {
        var logs = new ListLoggerFactory();
        using var client = new WskTestClient(new WskProviderOptions { LoggerFactory = logs });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatch = new WskClientConnectionDispatch(
            WskReceiveEvent: (object? context, uint flags, WskDataIndication? indication, nuint indicated, ref nuint accepted) =>
            {
                if (indication is null)
                {
                    return NtStatus.Success;
                }

                called.TrySetResult();
                throw new InvalidOperationException("callback bug");
            });
        WskSocket socket = await client.ConnectAsync(SockAddr.FromEndPoint((IPEndPoint)listener.LocalEndpoint), clientDispatch: dispatch);
        using Socket peer = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_RECEIVE));

        await peer.SendAsync(new byte[] { 7, 8 }, SocketFlags.None, TestContext.Current.CancellationToken);
        await called.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken); // Indicated, not raced by a receive.

        // The data is handed to WskReceive only once the event returned (here: threw, and was logged).
        Assert.Equal(new byte[] { 7, 8 }, await WskTestClient.ReceiveAsync(socket, 2));
        AssertLoggedOnce(logs, "WskSharp.Socket", 300, LogLevel.Error);
    }

    /// <summary>A receive-from event that throws is answered STATUS_DATA_NOT_ACCEPTED, which refuses the whole list it was
    /// given: the log says so (the list's size, and that its datagrams stay), and each of them comes to WskReceiveFrom in
    /// order. (The message said "the datagram stays", written when an event carried one.)</summary>
    [Fact]
    public async Task A_receive_from_event_that_throws_is_logged_and_its_whole_list_stays_for_WskReceiveFrom()
    {
        var logs = new ListLoggerFactory();
        using var client = new WskTestClient(new WskProviderOptions { LoggerFactory = logs });
        int lists = 0, entries = 0;
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatch = new WskClientDatagramDispatch((_, _, indication) =>
        {
            Interlocked.Increment(ref lists);
            for (WskDatagramIndication? i = indication; i is not null; i = i.Next)
            {
                Interlocked.Increment(ref entries);
            }

            called.TrySetResult();
            throw new InvalidOperationException("callback bug");
        });
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, client.Npi.Dispatch.WskSocket(client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP,
            WskConstants.WSK_FLAG_DATAGRAM_SOCKET, null, dispatch, null, null, null, irp));
        WskSocket receiver = client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
        var dg = WskTestClient.Datagram(receiver);
        Assert.Equal(NtStatus.Success, dg.WskBind(receiver, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, new Irp()));
        Assert.Equal(NtStatus.Success, dg.WskGetLocalAddress(receiver, out SockAddr address, new Irp()));
        WskSocket sender = client.BoundDatagram(out _);
        for (byte i = 1; i <= 3; i++) // On loopback each is in the receiver's queue once its send has completed.
        {
            var send = new Irp();
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(
                WskTestClient.Datagram(sender).WskSendTo(sender, new WskBuf(new Mdl(new[] { i })), 0, address, 0, default, send), send));
        }

        Assert.Equal(NtStatus.Success, WskEvents.Enable(receiver, WskConstants.WSK_EVENT_RECEIVE_FROM));
        await called.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken); // Indicated, not raced by a receive.

        for (byte i = 1; i <= 3; i++)
        {
            // The first receive may find the list still in the event; it then waits, and the refused list comes to it.
            byte[] buffer = new byte[4];
            var receive = new Irp();
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(
                dg.WskReceiveFrom(receiver, new WskBuf(new Mdl(buffer)), 0, null, null, default, null, receive), receive));
            Assert.Equal((nuint)1, receive.IoStatus.Information);
            Assert.Equal(i, buffer[0]);
        }

        Assert.Equal(1, Volatile.Read(ref lists)); // One event, all three, refused whole.
        Assert.Equal(3, Volatile.Read(ref entries));
        AssertLoggedOnce(logs, "WskSharp.Socket", 303, LogLevel.Error);
        string message = Assert.Single(logs.Entries, e => e.Id.Id == 303).Message;
        Assert.Contains("list of 3 datagrams is refused", message);
        Assert.Contains("stay, in order, for WskReceiveFrom", message);
    }

    [Fact]
    public void Without_a_logger_factory_a_throwing_completion_routine_is_still_contained()
    {
        using var client = new WskTestClient(new WskProviderOptions());
        var irp = new Irp();
        irp.SetCompletionRoutine(s_throws, null);

        NtStatus returned = client.Npi.Dispatch.WskSocket(client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);

        Assert.Equal(NtStatus.Success, returned);
        Assert.Equal(1, irp.CompletionCount);
        client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
    }

    private static void AssertLoggedOnce(ListLoggerFactory logs, string category, int eventId, LogLevel level)
    {
        var entry = Assert.Single(logs.Entries, e => e.Id.Id == eventId);
        Assert.Equal(category, entry.Category);
        Assert.Equal(level, entry.Level);
        Assert.IsType<InvalidOperationException>(entry.Exception);
    }
}
