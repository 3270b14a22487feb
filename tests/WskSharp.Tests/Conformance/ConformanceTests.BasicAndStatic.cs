using System.Buffers.Binary;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>Basic sockets (WskControlSocket and WskCloseSocket only) and WSK_SET_STATIC_EVENT_CALLBACKS, on every transport.</summary>
public abstract partial class ConformanceTests
{
    private static NtStatus SetStaticEvents(WskTestClient client, uint mask, Guid? npi = null, Irp? irp = null)
    {
        byte[] input = new byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(npi ?? WskEventCallbackControl.NPI_WSK_INTERFACE_ID, mask).WriteTo(input);
        return client.Npi.Dispatch.WskControlClient(client.Npi.Client, WskConstants.WSK_SET_STATIC_EVENT_CALLBACKS,
            (nuint)input.Length, input, 0, default, out _, irp);
    }

    private static NtStatus SetEventsOn(WskSocket socket, uint mask)
    {
        byte[] input = new byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, mask).WriteTo(input);
        return ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskSetOption,
            Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 0, default, out _, null);
    }

    [Fact]
    public Task A_basic_socket_has_only_WskControlSocket_and_WskCloseSocket_and_its_options_work() => WithPairAsync((client, _, _) =>
    {
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, client.Npi.Dispatch.WskSocket(client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_BASIC_SOCKET, null, null, null, null, null, irp));
        WskSocket socket = client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer)); // Closed at the end even if an assertion fails first.
        Assert.Equal(typeof(WskProviderBasicDispatch), socket.Dispatch.GetType()); // Not a table with more functions.
        Assert.Equal(WskConstants.WSK_FLAG_BASIC_SOCKET, socket.Category);
        Assert.Equal(1, client.Npi.Client.OpenSockets);
        var basic = (WskProviderBasicDispatch)socket.Dispatch;

        byte[] on = new byte[4], read = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(on, 1);
        Assert.Equal(NtStatus.Success, basic.WskControlSocket(socket, WskControlSocketType.WskSetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP,
            4, on, 0, default, out _, new Irp()));
        Assert.Equal(NtStatus.Success, basic.WskControlSocket(socket, WskControlSocketType.WskGetOption, Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP,
            0, default, 4, read, out nuint returned, new Irp()));
        Assert.Equal((nuint)4, returned);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(read));

        // A basic socket has no events at all.
        Assert.Equal(NtStatus.InvalidParameter, SetEventsOn(socket, WskConstants.WSK_EVENT_RECEIVE));

        var close = new Irp();
        Assert.Equal(NtStatus.Success, basic.WskCloseSocket(socket, close));
        Assert.Equal(NtStatus.Success, close.IoStatus.Status);
        Assert.Equal(0, client.Npi.Client.OpenSockets);
        return Task.CompletedTask;
    });

    [Fact]
    public Task Static_event_callbacks_deliver_accept_receive_and_disconnect_with_no_SO_WSK_EVENT_CALLBACK() => WithPairAsync(async (client, server, _) =>
    {
        const uint mask = WskConstants.WSK_EVENT_ACCEPT | WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISCONNECT;
        Assert.Equal(NtStatus.Success, SetStaticEvents(server, mask));

        var received = new List<byte>();
        var gotAll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource<WskSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connectionEvents = new WskClientConnectionDispatch(
            WskReceiveEvent: (object? _, uint _, WskDataIndication? indication, nuint indicated, ref nuint _) =>
            {
                lock (received)
                {
                    if (indication is not null)
                    {
                        byte[] copy = new byte[(int)indicated];
                        indication.Buffer.CopyTo(copy);
                        received.AddRange(copy);
                    }

                    if (received.Count >= 6)
                    {
                        gotAll.TrySetResult();
                    }
                }

                return NtStatus.Success;
            },
            WskDisconnectEvent: (_, _) =>
            {
                disconnected.TrySetResult();
                return NtStatus.Success;
            });
        var listenEvents = new WskClientListenDispatch(WskAcceptEvent: (object? _, uint _, in SockAddr _, in SockAddr _, WskSocket? socket,
            out object? context, out object? dispatch) =>
        {
            context = "accepted";
            dispatch = connectionEvents;
            accepted.TrySetResult(server.Track(socket!));
            return NtStatus.Success;
        });

        var (listener, address) = server.CreateListener(clientDispatch: listenEvents);
        Assert.Equal(WskConstants.WSK_EVENT_ACCEPT, listener.StaticEvents);

        // A static event cannot be disabled or enabled again on the socket.
        Assert.Equal(NtStatus.InvalidDeviceState, SetEventsOn(listener, WskConstants.WSK_EVENT_ACCEPT | WskConstants.WSK_EVENT_DISABLE));
        Assert.Equal(NtStatus.InvalidDeviceState, SetEventsOn(listener, WskConstants.WSK_EVENT_ACCEPT));

        // Too late once the client has a socket.
        Assert.Equal(NtStatus.InvalidDeviceState, SetStaticEvents(server, mask));

        WskSocket peer = await client.ConnectAsync(address, data: [1, 2, 3]);
        WskSocket socket = await accepted.Task.WaitAsync(Guard, Ct);
        Assert.Equal("accepted", socket.Context);
        await WskTestClient.SendAsync(peer, [4, 5, 6]);
        await gotAll.Task.WaitAsync(Guard, Ct);
        lock (received)
        {
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, received);
        }

        var irp = new Irp();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(Conn(peer).WskDisconnect(peer, null, 0, irp), irp));
        await disconnected.Task.WaitAsync(Guard, Ct);
    });

    [Fact]
    public Task Static_events_a_socket_has_no_callback_for_stay_off_so_WskAccept_still_gets_the_connection() => WithPairAsync(async (client, server, _) =>
    {
        Assert.Equal(NtStatus.Success, SetStaticEvents(server, WskConstants.WSK_EVENT_ACCEPT | WskConstants.WSK_EVENT_RECEIVE));
        var (listener, address) = server.CreateListener(); // No client dispatch: no WskAcceptEvent to call.
        Assert.Equal(0u, listener.StaticEvents);
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        WskSocket peer = await client.ConnectAsync(address, data: [7]);
        WskSocket socket = await accepting;
        Assert.Equal(new byte[] { 7 }, await WskTestClient.ReceiveAsync(socket, 1));
        Assert.NotNull(peer);
    });
}
