using System.Buffers.Binary;
using System.Collections.Concurrent;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>Conditional accept (SO_CONDITIONAL_ACCEPT, WskInspectEvent, WskAbortEvent, WskInspectComplete), emulated the
/// same way on every transport: the kernel completes the handshake, the client decides, a rejected connection is reset
/// before any data is read.</summary>
public abstract partial class ConformanceTests
{
    /// <summary>A conditional listener whose inspect event answers by the connecting socket's port and records each id.</summary>
    private sealed class Inspector
    {
        public readonly ConcurrentDictionary<ushort, WskInspectAction> Answers = new();
        public readonly ConcurrentDictionary<ushort, TaskCompletionSource<(WskInspectId Id, SockAddr Local, SockAddr Remote)>> Inspected = new();
        public readonly ConcurrentDictionary<WskInspectId, TaskCompletionSource> Aborted = new();
        public readonly ConcurrentDictionary<ushort, Action<WskInspectId>> BeforeReturn = new();

        public TaskCompletionSource<(WskInspectId Id, SockAddr Local, SockAddr Remote)> For(ushort port)
            => Inspected.GetOrAdd(port, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

        public TaskCompletionSource AbortOf(WskInspectId id) => Aborted.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

        public WskClientListenDispatch Dispatch => new(
            WskInspectEvent: (object? context, in SockAddr local, in SockAddr remote, WskInspectId? id) =>
            {
                Assert.Equal("listener", context);
                For(remote.Port).TrySetResult((id!.Value, local, remote));
                if (BeforeReturn.TryGetValue(remote.Port, out Action<WskInspectId>? hook))
                {
                    hook(id!.Value);
                }

                return Answers.TryGetValue(remote.Port, out WskInspectAction action) ? action : WskInspectAction.WskInspectReject;
            },
            WskAbortEvent: (object? context, in WskInspectId id) =>
            {
                AbortOf(id).TrySetResult();
                return NtStatus.Success;
            });
    }

    /// <summary>A connection socket bound to a loopback port of its own, so the inspector knows it by that port.</summary>
    private static (WskSocket Socket, ushort Port) BoundClient(WskTestClient client)
    {
        WskSocket socket = client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null);
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, Conn(socket).WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
        Assert.Equal(NtStatus.Success, Conn(socket).WskGetLocalAddress(socket, out SockAddr local, irp));
        return (socket, local.Port);
    }

    /// <summary>A listening socket with SO_CONDITIONAL_ACCEPT on, bound to a loopback port, answering through <paramref name="inspector"/>.</summary>
    private static (WskSocket Listener, SockAddr Address) ConditionalListener(WskTestClient server, Inspector inspector)
    {
        WskSocket listener = server.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, "listener", inspector.Dispatch);
        Assert.Equal(NtStatus.Success, SetOpt(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT, 1));
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, listen.WskBind(listener, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
        Assert.Equal(NtStatus.Success, listen.WskGetLocalAddress(listener, out SockAddr address, irp));
        return (listener, address);
    }

    private static Task<NtStatus> ConnectTo(WskSocket socket, SockAddr server)
    {
        var irp = new Irp();
        return WskTestClient.Complete(Conn(socket).WskConnect(socket, server, 0, irp), irp);
    }

    /// <summary>What a rejected client sees: its connect succeeded (the kernel completed the handshake) and the first receive
    /// is reset; or, when the reset overtook the handshake's completion at the client, the connect itself fails, refused (as a
    /// Windows peer always sees a rejection) or reset.</summary>
    private static async Task AssertResetAsync(WskSocket socket, Task<NtStatus> connecting)
    {
        NtStatus connected = await connecting;
        if (connected == NtStatus.ConnectionReset || connected == NtStatus.ConnectionRefused)
        {
            return;
        }

        Assert.Equal(NtStatus.Success, connected);
        var irp = new Irp();
        byte[] buffer = new byte[1];
        Assert.Equal(NtStatus.ConnectionReset, await WskTestClient.Complete(Conn(socket).WskReceive(socket, new WskBuf(new Mdl(buffer)), 0, irp), irp));
    }

    private static NtStatus Decide(WskSocket listener, WskInspectId id, WskInspectAction action)
    {
        var irp = new Irp();
        NtStatus status = ((WskProviderListenDispatch)listener.Dispatch).WskInspectComplete(listener, id, action, irp);
        Assert.NotEqual(NtStatus.Pending, status);
        Assert.Equal(status, irp.IoStatus.Status);
        return status;
    }

    private static NtStatus QueryInspectId(WskSocket socket, byte[] output, out nuint returned) =>
        ((WskProviderBasicDispatch)socket.Dispatch).WskControlSocket(socket, WskControlSocketType.WskIoctl, WskConstants.SIO_WSK_QUERY_INSPECT_ID,
            0, 0, default, (nuint)output.Length, output, out returned, null);

    [Fact]
    public Task SIO_WSK_QUERY_INSPECT_ID_gives_an_accepted_connection_the_id_its_inspection_had() => WithPairAsync(async (client, server, _) =>
    {
        var inspector = new Inspector();
        var (listener, address) = ConditionalListener(server, inspector);
        var (peer, port) = BoundClient(client);
        inspector.Answers[port] = WskInspectAction.WskInspectAccept;
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        Assert.Equal(NtStatus.Success, await ConnectTo(peer, address));
        WskInspectId id = (await inspector.For(port).Task.WaitAsync(Guard, Ct)).Id;
        WskSocket accepted = await accepting;
        byte[] output = new byte[16];

        Assert.Equal(NtStatus.Success, QueryInspectId(accepted, output, out nuint returned));

        Assert.Equal((nuint)16, returned);
        Assert.Equal((ulong)id.Key, BinaryPrimitives.ReadUInt64LittleEndian(output));
        Assert.Equal(id.SerialNumber, BinaryPrimitives.ReadUInt32LittleEndian(output.AsSpan(8)));
        Assert.Equal(NtStatus.BufferTooSmall, QueryInspectId(accepted, new byte[15], out nuint _));

        // Any other socket has none (documented): the listener, the connecting side.
        Assert.Equal(NtStatus.InvalidDeviceRequest, QueryInspectId(listener, output, out nuint _));
        Assert.Equal(NtStatus.InvalidDeviceRequest, QueryInspectId(peer, output, out nuint _));
    });

    [Fact]
    public Task SIO_WSK_QUERY_INSPECT_ID_on_a_connection_accepted_without_inspection_is_INVALID_DEVICE_REQUEST() => WithPairAsync(async (client, server, _) =>
    {
        var (listener, address) = server.CreateListener();
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        WskSocket peer = await client.ConnectAsync(address, data: [1]);
        WskSocket accepted = await accepting;

        Assert.Equal(NtStatus.InvalidDeviceRequest, QueryInspectId(accepted, new byte[16], out nuint returned));

        Assert.Equal((nuint)0, returned);
        Assert.NotNull(peer);
    });

    [Fact]
    public Task Conditional_accept_accepts_rejects_and_pends_as_the_inspect_event_says() => WithPairAsync(async (client, server, _) =>
    {
        var inspector = new Inspector();
        WskSocket listener = server.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, "listener", inspector.Dispatch);
        Assert.Equal(0u, GetOpt(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT));
        Assert.Equal(NtStatus.Success, SetOpt(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT, 1));
        Assert.Equal(1u, GetOpt(listener, Ws2Def.SOL_SOCKET, Ws2Def.SO_CONDITIONAL_ACCEPT));
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        var bindIrp = new Irp();
        Assert.Equal(NtStatus.Success, listen.WskBind(listener, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, bindIrp));
        Assert.Equal(NtStatus.Success, listen.WskGetLocalAddress(listener, out SockAddr address, bindIrp));

        // Accepted at once: WskAccept gets it, with its data.
        var (first, firstPort) = BoundClient(client);
        inspector.Answers[firstPort] = WskInspectAction.WskInspectAccept;
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        Assert.Equal(NtStatus.Success, await ConnectTo(first, address));
        var seen = await inspector.For(firstPort).Task.WaitAsync(Guard, Ct);
        Assert.Equal(firstPort, seen.Remote.Port);
        Assert.Equal(address.Port, seen.Local.Port);
        Assert.Equal((nuint)listener.Engine.InspectKey, seen.Id.Key);
        await WskTestClient.SendAsync(first, [1, 2]);
        WskSocket firstAccepted = await accepting;
        Assert.Equal(new byte[] { 1, 2 }, await WskTestClient.ReceiveAsync(firstAccepted, 2));

        // Rejected: reset before any data is read; no accept gets it.
        var (second, secondPort) = BoundClient(client);
        inspector.Answers[secondPort] = WskInspectAction.WskInspectReject;
        await AssertResetAsync(second, ConnectTo(second, address));
        await inspector.For(secondPort).Task.WaitAsync(Guard, Ct);

        // Pended, then accepted: no accept until WskInspectComplete says so; the id works once.
        var (third, thirdPort) = BoundClient(client);
        inspector.Answers[thirdPort] = WskInspectAction.WskInspectPend;
        var acceptIrp = new Irp();
        NtStatus acceptReturned = listen.WskAccept(listener, 0, null, null, null, null, acceptIrp);
        Assert.Equal(NtStatus.Pending, acceptReturned);
        Assert.Equal(NtStatus.Success, await ConnectTo(third, address));
        WskInspectId thirdId = (await inspector.For(thirdPort).Task.WaitAsync(Guard, Ct)).Id;
        Assert.True(acceptIrp.IsPending); // Pended: nothing for WskAccept yet (the reject before it got nothing either).
        Assert.Equal(NtStatus.Success, Decide(listener, thirdId, WskInspectAction.WskInspectAccept));
        Assert.Equal(NtStatus.InvalidParameter, Decide(listener, thirdId, WskInspectAction.WskInspectAccept));
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(acceptReturned, acceptIrp));
        WskSocket thirdAccepted = server.Track(Assert.IsType<WskSocket>(acceptIrp.IoStatus.Pointer));
        await WskTestClient.SendAsync(thirdAccepted, [3]);
        Assert.Equal(new byte[] { 3 }, await WskTestClient.ReceiveAsync(third, 1));

        // Pended, then rejected: reset.
        var (fourth, fourthPort) = BoundClient(client);
        inspector.Answers[fourthPort] = WskInspectAction.WskInspectPend;
        Task<NtStatus> connectingFourth = ConnectTo(fourth, address);
        WskInspectId fourthId = (await inspector.For(fourthPort).Task.WaitAsync(Guard, Ct)).Id;
        Assert.Equal(NtStatus.Success, Decide(listener, fourthId, WskInspectAction.WskInspectReject));
        await AssertResetAsync(fourth, connectingFourth);
        Assert.Equal(NtStatus.InvalidParameter, Decide(listener, fourthId, WskInspectAction.WskInspectAccept));
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Conditional_accept_a_decision_made_before_the_pending_inspect_event_returns_stands(bool accept) => WithPairAsync(async (client, server, _) =>
    {
        // A driver's worker may call WskInspectComplete as soon as the event has handed it the id, before the event has
        // returned WskInspectPend: here the event waits until that call has returned.
        var inspector = new Inspector();
        var (listener, address) = ConditionalListener(server, inspector);
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        var (peer, port) = BoundClient(client);
        NtStatus early = NtStatus.Unsuccessful;
        inspector.Answers[port] = WskInspectAction.WskInspectPend;
        inspector.BeforeReturn[port] = id => early = Task.Run(() => Decide(listener, id, accept ? WskInspectAction.WskInspectAccept : WskInspectAction.WskInspectReject)).GetAwaiter().GetResult();
        var acceptIrp = new Irp();
        NtStatus acceptReturned = listen.WskAccept(listener, 0, null, null, null, null, acceptIrp);
        Task<NtStatus> connecting = ConnectTo(peer, address);
        WskInspectId id = (await inspector.For(port).Task.WaitAsync(Guard, Ct)).Id;
        if (accept)
        {
            Assert.Equal(NtStatus.Success, await connecting);
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(acceptReturned, acceptIrp).WaitAsync(Guard, Ct));
            WskSocket accepted = server.Track(Assert.IsType<WskSocket>(acceptIrp.IoStatus.Pointer));
            await WskTestClient.SendAsync(accepted, [7]);
            Assert.Equal(new byte[] { 7 }, await WskTestClient.ReceiveAsync(peer, 1));
        }
        else
        {
            await AssertResetAsync(peer, connecting);
        }

        Assert.Equal(NtStatus.Success, early);
        Assert.Equal(NtStatus.InvalidParameter, Decide(listener, id, WskInspectAction.WskInspectAccept)); // decided once
    });

    [Fact]
    public Task Conditional_accept_closing_the_listener_while_the_inspect_event_runs_completes_once_it_returns() => WithPairAsync(async (client, server, _) =>
    {
        // A worker closes the listener while the inspect event waits for it: the close pends until the event has returned
        // (it accepts, too late: the listener is gone, so the connection is reset).
        var inspector = new Inspector();
        var (listener, address) = ConditionalListener(server, inspector);
        var (peer, port) = BoundClient(client);
        var closeIrp = new Irp();
        NtStatus closed = NtStatus.Unsuccessful;
        bool pendingInEvent = false;
        var closeCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inspector.Answers[port] = WskInspectAction.WskInspectAccept;
        inspector.BeforeReturn[port] = _ =>
        {
            closed = Task.Run(() => ((WskProviderBasicDispatch)listener.Dispatch).WskCloseSocket(listener, closeIrp)).GetAwaiter().GetResult();
            pendingInEvent = closeIrp.IsPending;
            closeCalled.SetResult();
        };
        Task<NtStatus> connecting = ConnectTo(peer, address);
        await closeCalled.Task.WaitAsync(Guard, Ct);

        Assert.Equal(NtStatus.Pending, closed);
        Assert.True(pendingInEvent); // Not completed while the event ran.
        Assert.Equal(NtStatus.Success, await closeIrp.AsValueTask().AsTask().WaitAsync(Guard, Ct));
        await AssertResetAsync(peer, connecting);
    });

    [Fact]
    public Task Conditional_accept_a_pended_connection_the_peer_resets_is_reported_by_WskAbortEvent() => WithPairAsync(async (client, server, _) =>
    {
        var inspector = new Inspector();
        var (listener, address) = ConditionalListener(server, inspector);

        var (socket, port) = BoundClient(client);
        inspector.Answers[port] = WskInspectAction.WskInspectPend;
        Assert.Equal(NtStatus.Success, await ConnectTo(socket, address));
        WskInspectId id = (await inspector.For(port).Task.WaitAsync(Guard, Ct)).Id;
        var abortIrp = new Irp();
        Assert.Equal(NtStatus.Success, Conn(socket).WskDisconnect(socket, null, WskConstants.WSK_FLAG_ABORTIVE, abortIrp));

        await inspector.AbortOf(id).Task.WaitAsync(Guard, Ct);
        Assert.Equal(NtStatus.InvalidParameter, Decide(listener, id, WskInspectAction.WskInspectAccept)); // Dropped: the id is gone.
    });
}
