using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>SO_WSK_EVENT_CALLBACK and the connection events: the three receive contracts, disconnect, send backlog.</summary>
public sealed class EventCallbackTests : IDisposable
{
    private readonly WskTestClient _client = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public EventCallbackTests() => _listener.Start();

    private SockAddr Server => SockAddr.FromEndPoint((IPEndPoint)_listener.LocalEndpoint);

    /// <summary>Records every event; answers receive events as <see cref="Answer"/> says.</summary>
    private sealed class Recorder
    {
        public readonly List<byte> Data = [];
        public readonly ConcurrentQueue<WskDataIndication> Kept = new();
        public readonly ConcurrentQueue<uint> Disconnects = new();
        public readonly ConcurrentQueue<nuint> Backlogs = new();
        public int Receives;
        public int NullIndications;
        public Func<int, NtStatus> Answer = _ => NtStatus.Success;
        public Func<int, nuint, nuint>? Accept;

        public WskClientConnectionDispatch Dispatch => new(
            WskReceiveEvent: (object? context, uint flags, WskDataIndication? indication, nuint indicated, ref nuint accepted) =>
            {
                if (indication is null)
                {
                    Interlocked.Increment(ref NullIndications);
                    return NtStatus.Success;
                }

                int call = Interlocked.Increment(ref Receives);
                NtStatus status = Answer(call);
                if (status == NtStatus.DataNotAccepted)
                {
                    return status;
                }

                nuint take = Accept?.Invoke(call, indicated) ?? indicated;
                byte[] copy = new byte[(int)indicated];
                indication.Buffer.CopyTo(copy);
                lock (Data)
                {
                    Data.AddRange(copy.AsSpan(0, (int)take));
                }

                if (status == NtStatus.Pending)
                {
                    Kept.Enqueue(indication);
                }

                accepted = take;
                return status;
            },
            WskDisconnectEvent: (context, flags) =>
            {
                Disconnects.Enqueue(flags);
                return NtStatus.Success;
            },
            WskSendBacklogEvent: (context, size) =>
            {
                Backlogs.Enqueue(size);
                return NtStatus.Success;
            });

        public byte[] Snapshot()
        {
            lock (Data)
            {
                return [.. Data];
            }
        }
    }

    private async Task<(WskSocket Socket, Socket Peer)> ConnectAsync(Recorder recorder, uint mask)
    {
        WskSocket socket = await _client.ConnectAsync(Server, clientDispatch: recorder.Dispatch);
        Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, mask));
        return (socket, peer);
    }

    [Fact]
    public async Task Receive_events_deliver_every_byte_in_order_when_the_client_consumes_them()
    {
        var recorder = new Recorder();
        var (_, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_RECEIVE);
        using (peer)
        {
            byte[] sent = WskConnectExTests.RandomBytes(300_000, seed: 1);
            await peer.SendAsync(sent, SocketFlags.None, TestContext.Current.CancellationToken);
            await WaitUntil(() => recorder.Snapshot().Length >= sent.Length);
            Assert.Equal(sent, recorder.Snapshot());
        }
    }

    [Fact]
    public async Task STATUS_DATA_NOT_ACCEPTED_leaves_the_data_for_WskReceive_then_events_resume()
    {
        var recorder = new Recorder { Answer = call => call == 1 ? NtStatus.DataNotAccepted : NtStatus.Success };
        var (socket, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_RECEIVE);
        using (peer)
        {
            await peer.SendAsync(new byte[] { 1, 2, 3, 4 }, SocketFlags.None, TestContext.Current.CancellationToken);
            await WaitUntil(() => Volatile.Read(ref recorder.Receives) >= 1);
            Assert.Empty(recorder.Snapshot());
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, await WskTestClient.ReceiveAsync(socket, 4));

            await peer.SendAsync(new byte[] { 5, 6 }, SocketFlags.None, TestContext.Current.CancellationToken);
            await WaitUntil(() => recorder.Snapshot().Length >= 2);
            Assert.Equal(new byte[] { 5, 6 }, recorder.Snapshot());
        }
    }

    [Fact]
    public async Task A_partial_accept_leaves_the_rest_for_WskReceive()
    {
        var recorder = new Recorder { Accept = (call, indicated) => call == 1 ? 3 : indicated };
        var (socket, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_RECEIVE);
        using (peer)
        {
            await peer.SendAsync(new byte[] { 1, 2, 3, 4, 5, 6 }, SocketFlags.None, TestContext.Current.CancellationToken);
            await WaitUntil(() => recorder.Snapshot().Length >= 3);
            Assert.Equal(new byte[] { 4, 5, 6 }, await WskTestClient.ReceiveAsync(socket, 3));
            Assert.Equal(new byte[] { 1, 2, 3 }, recorder.Snapshot());
        }
    }

    [Fact]
    public async Task STATUS_PENDING_keeps_the_indication_until_WskRelease_and_a_second_release_is_refused()
    {
        var recorder = new Recorder { Answer = _ => NtStatus.Pending };
        var (socket, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_RECEIVE);
        using (peer)
        {
            await peer.SendAsync(new byte[] { 7, 7, 7 }, SocketFlags.None, TestContext.Current.CancellationToken);
            await WaitUntil(() => !recorder.Kept.IsEmpty);
            Assert.True(recorder.Kept.TryDequeue(out WskDataIndication? kept));
            byte[] still = new byte[3];
            kept.Buffer.CopyTo(still); // the data stays valid while the client keeps it
            Assert.Equal(new byte[] { 7, 7, 7 }, still);
            var dispatch = WskTestClient.Connection(socket);
            Assert.Equal(NtStatus.Success, dispatch.WskRelease(socket, kept));
            Assert.Equal(NtStatus.InvalidParameter, dispatch.WskRelease(socket, kept));
        }
    }

    /// <summary>A driver's event callback hands a kept indication to a worker and returns STATUS_PENDING; the worker's
    /// WskRelease may run before that return. It is honoured once (the STATUS_PENDING test failed under load when the
    /// provider counted the indication as kept only after the callback returned).</summary>
    [Fact]
    public async Task A_kept_indication_released_by_another_thread_before_the_event_returns_is_released_once()
    {
        var handedOver = new TaskCompletionSource<WskDataIndication>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var released = new ManualResetEventSlim();
        var returned = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        int events = 0;
        var dispatch = new WskClientConnectionDispatch(
            WskReceiveEvent: (object? context, uint flags, WskDataIndication? indication, nuint indicated, ref nuint accepted) =>
            {
                if (indication is null || Interlocked.Increment(ref events) > 1)
                {
                    return NtStatus.Success;
                }

                handedOver.TrySetResult(indication); // The worker owns it from here...
                returned.TrySetResult(released.Wait(TimeSpan.FromSeconds(20))); // ... and releases it before this returns.
                accepted = indicated;
                return NtStatus.Pending;
            });
        WskSocket socket = await _client.ConnectAsync(Server, clientDispatch: dispatch);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_RECEIVE));
        WskProviderConnectionDispatch connection = WskTestClient.Connection(socket);

        await peer.SendAsync(new byte[] { 4, 2 }, SocketFlags.None, TestContext.Current.CancellationToken);
        WskDataIndication kept = await handedOver.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        NtStatus first = connection.WskRelease(socket, kept);
        NtStatus second = connection.WskRelease(socket, kept);
        released.Set();

        Assert.True(await returned.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.Equal(NtStatus.Success, first);
        Assert.Equal(NtStatus.InvalidParameter, second);
        Assert.Equal(NtStatus.InvalidParameter, connection.WskRelease(socket, kept)); // Still once after the event returned.
    }

    /// <summary>WskCloseSocket while an event callback runs (from another thread the callback waits for, or from inside the
    /// callback): in-progress callbacks return before a close completes, so the close returns STATUS_PENDING and its IRP
    /// completes only after the callback has returned, and nothing is indicated after the close. (It completed inline while
    /// the callback still ran.)</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_close_while_an_event_callback_runs_completes_after_the_callback_returns(bool fromAnotherThread)
    {
        WskSocket? socket = null;
        var closeIrp = new Irp();
        int inCallback = 0, events = 0;
        bool? completedInCallback = null;
        NtStatus closeReturned = NtStatus.Unsuccessful;
        var closeCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        closeIrp.SetCompletionRoutine((_, _) =>
        {
            completedInCallback = Volatile.Read(ref inCallback) == 1;
            return NtStatus.Success;
        }, null);
        NtStatus Close() => ((WskProviderBasicDispatch)socket!.Dispatch).WskCloseSocket(socket, closeIrp);
        var dispatch = new WskClientConnectionDispatch(
            WskReceiveEvent: (object? context, uint flags, WskDataIndication? indication, nuint indicated, ref nuint accepted) =>
            {
                if (Interlocked.Increment(ref events) > 1)
                {
                    return NtStatus.Success;
                }

                Volatile.Write(ref inCallback, 1);
                closeReturned = fromAnotherThread ? Task.Run(Close).GetAwaiter().GetResult() : Close();
                closeCalled.SetResult();
                Volatile.Write(ref inCallback, 0);
                return NtStatus.Success;
            },
            WskDisconnectEvent: (context, flags) =>
            {
                Interlocked.Increment(ref events);
                return NtStatus.Success;
            });
        socket = await _client.ConnectAsync(Server, clientDispatch: dispatch);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISCONNECT));

        await peer.SendAsync(new byte[] { 1, 2 }, SocketFlags.None, TestContext.Current.CancellationToken);
        peer.Shutdown(SocketShutdown.Send); // A disconnect event to indicate next, if anything were indicated after the close.
        await closeCalled.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await closeIrp.AsValueTask().AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        Assert.Equal(NtStatus.Pending, closeReturned);
        Assert.True(closeIrp.PendingReturned);
        Assert.False(completedInCallback);
        Assert.Equal(1, Volatile.Read(ref events));
        Assert.Equal(NtStatus.InvalidHandle, ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, new Irp())); // closed once
    }

    /// <summary>WSK_EVENT_DISABLE from another thread while a callback of that event runs (the callback waits for it): the
    /// callback has not returned, and the disable says so: STATUS_EVENT_PENDING without an IRP; with one, STATUS_PENDING and
    /// the IRP completes once the callback has returned. No event of that kind follows. (It returned STATUS_SUCCESS while
    /// the callback still ran.)</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Disabling_an_event_while_its_callback_runs_waits_for_the_callback_to_return(bool withIrp)
    {
        WskSocket? socket = null;
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
            Span<byte> input = stackalloc byte[WskEventCallbackControl.Size];
            new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISABLE).WriteTo(input);
            return ((WskProviderBasicDispatch)socket!.Dispatch).WskControlSocket(socket, WskControlSocketType.WskSetOption,
                Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 0, default, out _, irp);
        }

        var dispatch = new WskClientConnectionDispatch(
            WskReceiveEvent: (object? context, uint flags, WskDataIndication? indication, nuint indicated, ref nuint accepted) =>
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
        socket = await _client.ConnectAsync(Server, clientDispatch: dispatch);
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_RECEIVE));

        await peer.SendAsync(new byte[] { 1 }, SocketFlags.None, TestContext.Current.CancellationToken);
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

        await peer.SendAsync(new byte[] { 2 }, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 2 }, await WskTestClient.ReceiveAsync(socket, 1)); // Disabled: left for WskReceive.
        Assert.Equal(1, Volatile.Read(ref events));
    }

    [Fact]
    public async Task A_disabled_receive_event_leaves_data_for_WskReceive()
    {
        var recorder = new Recorder();
        var (socket, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_RECEIVE);
        using (peer)
        {
            Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_DISABLE));
            await peer.SendAsync(new byte[] { 3, 1, 4 }, SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.Equal(new byte[] { 3, 1, 4 }, await WskTestClient.ReceiveAsync(socket, 3));
            Assert.Equal(0, Volatile.Read(ref recorder.Receives));
        }
    }

    [Fact]
    public async Task A_graceful_close_by_the_peer_is_a_disconnect_event_without_ABORTIVE()
    {
        var recorder = new Recorder();
        var (_, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_DISCONNECT | WskConstants.WSK_EVENT_RECEIVE);
        peer.Shutdown(SocketShutdown.Send);
        await WaitUntil(() => !recorder.Disconnects.IsEmpty);
        Assert.True(recorder.Disconnects.TryDequeue(out uint flags));
        Assert.Equal(0u, flags);
        peer.Dispose();
    }

    [Fact]
    public async Task A_reset_by_the_peer_is_a_disconnect_event_with_ABORTIVE()
    {
        var recorder = new Recorder();
        var (_, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_DISCONNECT);
        peer.LingerState = new LingerOption(true, 0);
        peer.Close(); // RST
        await WaitUntil(() => !recorder.Disconnects.IsEmpty);
        Assert.True(recorder.Disconnects.TryDequeue(out uint flags));
        Assert.Equal(WskConstants.WSK_FLAG_ABORTIVE, flags);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Empty(recorder.Disconnects); // once
    }

    [Fact]
    public async Task The_send_backlog_event_reports_a_size_once_connected()
    {
        var recorder = new Recorder();
        var (_, peer) = await ConnectAsync(recorder, WskConstants.WSK_EVENT_SEND_BACKLOG);
        using (peer)
        {
            await WaitUntil(() => !recorder.Backlogs.IsEmpty);
            Assert.True(recorder.Backlogs.TryDequeue(out nuint size));
            Assert.True(size > 0);
        }
    }

    [Fact]
    public async Task Events_enabled_before_the_connect_flow_only_once_connected()
    {
        var recorder = new Recorder();
        WskSocket socket = _client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, recorder.Dispatch);
        Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_RECEIVE | WskConstants.WSK_EVENT_SEND_BACKLOG));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Empty(recorder.Backlogs);

        var irp = new Irp();
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(socket).WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(WskTestClient.Connection(socket).WskConnect(socket, Server, 0, irp), irp));
        using Socket peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        await peer.SendAsync(new byte[] { 1 }, SocketFlags.None, TestContext.Current.CancellationToken);
        await WaitUntil(() => recorder.Snapshot().Length == 1 && !recorder.Backlogs.IsEmpty);
    }

    [Fact]
    public void Bad_event_requests_are_refused()
    {
        WskSocket bare = _client.CreateBoundSocket(); // no client dispatch: no callbacks
        Assert.Equal(NtStatus.InvalidParameter, WskEvents.Enable(bare, WskConstants.WSK_EVENT_RECEIVE));

        var recorder = new Recorder();
        WskSocket socket = _client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, recorder.Dispatch);
        Assert.Equal(NtStatus.InvalidParameter, WskEvents.Enable(socket, WskConstants.WSK_EVENT_ACCEPT)); // not a listening socket's

        Span<byte> input = stackalloc byte[WskEventCallbackControl.Size];
        new WskEventCallbackControl(Guid.NewGuid(), WskConstants.WSK_EVENT_RECEIVE).WriteTo(input);
        var dispatch = WskTestClient.Connection(socket);
        Assert.Equal(NtStatus.InvalidParameter, dispatch.Basic.WskControlSocket(socket, WskControlSocketType.WskSetOption,
            Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 0, default, out _, null)); // wrong NPI

        new WskEventCallbackControl(WskEventCallbackControl.NPI_WSK_INTERFACE_ID, WskConstants.WSK_EVENT_RECEIVE).WriteTo(input);
        var irp = new Irp();
        Assert.Equal(NtStatus.InvalidParameter, dispatch.Basic.WskControlSocket(socket, WskControlSocketType.WskSetOption,
            Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 0, default, out _, irp)); // an IRP is not allowed
        Assert.Equal(NtStatus.InvalidParameter, dispatch.Basic.WskControlSocket(socket, WskControlSocketType.WskSetOption,
            Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, 8, input, 0, default, out _, null)); // too short
        Assert.Equal(NtStatus.Success, dispatch.Basic.WskControlSocket(socket, WskControlSocketType.WskSetOption,
            Ws2Def.SO_WSK_EVENT_CALLBACK, Ws2Def.SOL_SOCKET, (nuint)input.Length, input, 0, default, out _, null));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }

    public void Dispose()
    {
        _client.Dispose();
        _listener.Stop();
        _listener.Dispose();
    }
}
