using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WskSharp.FastOpen;
using WskSharp.Lab;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>WskListen, WskAccept and WskAcceptEvent, with WskSharp at both ends where it can be.</summary>
public sealed class ListenAcceptTests : IDisposable
{
    private readonly WskTestClient _client = new();

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public async Task A_pending_accept_completes_with_the_connection_its_context_and_addresses(ushort family)
    {
        var (listener, address) = _client.CreateListener(family);
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        var irp = new Irp();
        var local = new StrongBox<SockAddr>();
        var remote = new StrongBox<SockAddr>();
        object context = new();
        NtStatus returned = listen.WskAccept(listener, 0, context, null, local, remote, irp);
        Assert.Equal(NtStatus.Pending, returned); // nobody has connected yet

        byte[] data = WskConnectExTests.RandomBytes(777, seed: family);
        WskSocket client = await _client.ConnectAsync(address, data);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
        WskSocket accepted = _client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
        Assert.Same(context, accepted.Context);
        Assert.IsType<WskProviderConnectionDispatch>(accepted.Dispatch);
        Assert.Equal(address, local.Value);
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(client).WskGetLocalAddress(client, out SockAddr clientLocal, new Irp()));
        Assert.Equal(clientLocal, remote.Value);
        Assert.Equal(data, await WskTestClient.ReceiveAsync(accepted, data.Length));
    }

    [Fact]
    public async Task An_accept_with_a_connection_waiting_completes_inline()
    {
        var (listener, address) = _client.CreateListener();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
        NtStatus returned = NtStatus.Pending;
        var irp = new Irp();
        for (int i = 0; i < 100 && returned == NtStatus.Pending; i++)
        {
            irp = new Irp();
            returned = ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 0, null, null, null, null, irp);
            if (returned == NtStatus.Pending)
            {
                Assert.True(irp.Cancel());
                await irp;
            }
        }

        Assert.Equal(NtStatus.Success, returned);
        Assert.Equal(NtStatus.Success, irp.IoStatus.Status);
        _client.Track(Assert.IsType<WskSocket>(irp.IoStatus.Pointer));
    }

    [Fact]
    public async Task A_stream_socket_listens_after_WskListen_and_accepts()
    {
        WskSocket stream = _client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
        var dispatch = (WskProviderStreamDispatch)stream.Dispatch;
        var irp = new Irp();
        Assert.Equal(NtStatus.InvalidDeviceState, dispatch.WskListen(stream, irp)); // not bound yet
        Assert.Equal(NtStatus.Success, dispatch.WskBind(stream, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
        Assert.Equal(NtStatus.Success, dispatch.WskListen(stream, irp));
        Assert.Equal(NtStatus.Success, dispatch.WskGetLocalAddress(stream, out SockAddr address, irp));

        WskSocket client = await _client.ConnectAsync(address, [1, 2, 3]);
        WskSocket accepted = await _client.AcceptAsync(stream);
        Assert.Equal(new byte[] { 1, 2, 3 }, await WskTestClient.ReceiveAsync(accepted, 3));

        // Listening, the stream socket has no connect.
        Assert.Equal(NtStatus.InvalidDeviceState, dispatch.WskConnect(stream, address, 0, irp));
        Assert.NotNull(client);
    }

    [Fact]
    public async Task A_stream_socket_that_connected_is_committed_to_the_connection_flow()
    {
        var (_, address) = _client.CreateListener();
        WskSocket stream = _client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
        var dispatch = (WskProviderStreamDispatch)stream.Dispatch;
        var irp = new Irp();
        Assert.Equal(NtStatus.Success, dispatch.WskBind(stream, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(dispatch.WskConnectEx(stream, address, new WskBuf(new Mdl(new byte[4])), 0, irp), irp));

        var listenIrp = new Irp();
        Assert.Equal(NtStatus.InvalidDeviceState, dispatch.WskListen(stream, listenIrp));
        Assert.Equal(NtStatus.InvalidDeviceState, listenIrp.IoStatus.Status);
        var acceptIrp = new Irp();
        Assert.Equal(NtStatus.InvalidDeviceState, dispatch.WskAccept(stream, 0, null, null, null, null, acceptIrp));
        Assert.Equal(NtStatus.InvalidDeviceState, acceptIrp.IoStatus.Status);
    }

    [Fact]
    public void Bad_accepts_are_refused_with_their_status()
    {
        var (listener, _) = _client.CreateListener();
        var irp = new Irp();
        Assert.Equal(NtStatus.InvalidParameter, ((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 1, null, null, null, null, irp));
        Assert.Equal(NtStatus.InvalidParameter, irp.IoStatus.Status);

        // A connection socket reached through the stream table has no accept.
        WskSocket connection = _client.CreateBoundSocket();
        Assert.Equal(NtStatus.InvalidDeviceRequest, WskProviderStreamDispatch_Accept(connection, irp));

        // A stream socket that is not listening.
        WskSocket stream = _client.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_STREAM_SOCKET, null, null);
        Assert.Equal(NtStatus.InvalidDeviceState, WskProviderStreamDispatch_Accept(stream, irp));
    }

    private static NtStatus WskProviderStreamDispatch_Accept(WskSocket socket, Irp irp)
        => WskProviderStreamDispatch.Instance.WskAccept(socket, 0, null, null, null, null, irp);

    [Fact]
    public async Task Closing_a_listener_cancels_its_pending_accept_first()
    {
        var (listener, _) = _client.CreateListener();
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        var irp = new Irp();
        int routineRuns = 0;
        irp.SetCompletionRoutine((_, _) => { Interlocked.Increment(ref routineRuns); return NtStatus.MoreProcessingRequired; }, null);
        Assert.Equal(NtStatus.Pending, listen.WskAccept(listener, 0, null, null, null, null, irp));
        Assert.Equal(NtStatus.Success, listen.Basic.WskCloseSocket(listener, new Irp()));
        Assert.False(irp.IsPending); // completed before the close returned
        Assert.Equal(NtStatus.Cancelled, irp.IoStatus.Status);
        Assert.Equal(1, routineRuns);
        Assert.Equal(NtStatus.Cancelled, await irp);
    }

    [Fact]
    public async Task The_accept_event_offers_each_connection_and_can_refuse_one()
    {
        var offered = new List<(SockAddr Local, SockAddr Remote)>();
        var acceptedSockets = new System.Collections.Concurrent.ConcurrentQueue<WskSocket>();
        int calls = 0;
        var listenDispatch = new WskClientListenDispatch(WskAcceptEvent: (object? ctx, uint flags, in SockAddr local, in SockAddr remote,
            WskSocket? socket, out object? acceptContext, out object? acceptDispatch) =>
        {
            acceptContext = "accepted";
            acceptDispatch = null;
            int n = Interlocked.Increment(ref calls);
            lock (offered)
            {
                offered.Add((local, remote));
            }

            if (n == 2)
            {
                return NtStatus.RequestNotAccepted; // the second connection is refused
            }

            acceptedSockets.Enqueue(socket!);
            return NtStatus.Success;
        });
        var (listener, address) = _client.CreateListener(clientDispatch: listenDispatch, context: "listener");
        Assert.Equal(NtStatus.Success, WskEvents.Enable(listener, WskConstants.WSK_EVENT_ACCEPT));

        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
        await WaitUntil(() => Volatile.Read(ref calls) >= 1);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await second.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
        await WaitUntil(() => Volatile.Read(ref calls) >= 2);

        Assert.True(acceptedSockets.TryDequeue(out WskSocket? kept));
        _client.Track(kept);
        Assert.Equal("accepted", kept.Context);
        await first.SendAsync(new byte[] { 9, 8, 7 }, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 9, 8, 7 }, await WskTestClient.ReceiveAsync(kept, 3));

        // The refused one was closed by the provider: its peer sees the end of the stream (or a reset).
        var buffer = new byte[1];
        int n;
        try
        {
            n = await second.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            n = 0;
        }

        Assert.Equal(0, n);
        lock (offered)
        {
            Assert.All(offered, o => Assert.Equal(address, o.Local));
        }
    }

    /// <summary>The accepted socket is the client's from the accept event on: a worker the event hands it to may use or close
    /// it before the event returns. Closed there, it is closed and counted once, whatever the event then returns; used there
    /// (a pending WskReceive) and then refused (STATUS_REQUEST_NOT_ACCEPTED), the provider closes it: the receive completes
    /// with STATUS_CANCELLED, and the socket is counted once. A second connection's accept event, which runs only once the
    /// first event's return has been applied, reads the count.</summary>
    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public async Task An_accepted_socket_a_worker_uses_before_the_accept_event_returns(bool workerCloses, bool eventAccepts)
    {
        int open = _client.Npi.Client.OpenSockets + 1; // With the listener.
        NtStatus worker = NtStatus.Unsuccessful;
        var receive = new Irp();
        WskSocket? first = null;
        int calls = 0, openAtSecond = -1;
        var secondOffered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listenDispatch = new WskClientListenDispatch(WskAcceptEvent: (object? ctx, uint flags, in SockAddr local, in SockAddr remote,
            WskSocket? socket, out object? acceptContext, out object? acceptDispatch) =>
        {
            acceptContext = acceptDispatch = null;
            if (Interlocked.Increment(ref calls) > 1)
            {
                openAtSecond = _client.Npi.Client.OpenSockets; // The first event's return is applied by now.
                secondOffered.TrySetResult();
                return NtStatus.RequestNotAccepted;
            }

            first = socket!;
            worker = Task.Run(() => workerCloses
                ? ((WskProviderBasicDispatch)socket!.Dispatch).WskCloseSocket(socket, new Irp())
                : WskTestClient.Connection(socket!).WskReceive(socket!, new WskBuf(new Mdl(new byte[1])), 0, receive)).GetAwaiter().GetResult();
            return eventAccepts ? NtStatus.Success : NtStatus.RequestNotAccepted;
        });
        var (listener, address) = _client.CreateListener(clientDispatch: listenDispatch, context: "listener");
        Assert.Equal(NtStatus.Success, WskEvents.Enable(listener, WskConstants.WSK_EVENT_ACCEPT));

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await ConnectOrResetAsync(peer, address);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await ConnectOrResetAsync(second, address);
        await secondOffered.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.Equal(workerCloses ? NtStatus.Success : NtStatus.Pending, worker);
        if (!workerCloses)
        {
            Assert.Equal(NtStatus.Cancelled, await receive.AsValueTask().AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        }

        Assert.Equal(open + 1, openAtSecond); // The listener and the second connection: the first is gone, counted once.
        Assert.Equal(NtStatus.InvalidHandle, ((WskProviderBasicDispatch)first!.Dispatch).WskCloseSocket(first, new Irp()));
    }

    [Fact]
    public async Task An_accepted_socket_knows_its_remote_address()
    {
        var (listener, address) = _client.CreateListener();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
        WskSocket accepted = await _client.AcceptAsync(listener);
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(accepted).WskGetRemoteAddress(accepted, out SockAddr remote, new Irp()));
        Assert.Equal(((IPEndPoint)peer.LocalEndPoint!).Port, remote.Port);
    }

    /// <summary>Connects; a connection the provider closes at once (refused by the accept event, with a reset) may be reset
    /// before the connect's completion is seen here.</summary>
    private static async Task ConnectOrResetAsync(Socket socket, SockAddr address)
    {
        try
        {
            await socket.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>Fast Open with WskSharp at both ends: a WSK listening socket with TCP_FASTOPEN takes SYN data.</summary>
public sealed class FastOpenServerTests(NamespaceFixture fixture) : IClassFixture<NamespaceFixture>
{
    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public async Task A_WSK_listener_with_TCP_FASTOPEN_accepts_SYN_data_from_a_WSK_client(ushort family)
    {
        NetworkNamespace ns = fixture.Require();
        ns.ForgetFastOpenCookies();
        using var client = new WskTestClient(ns.Name);
        var (listener, address) = client.CreateListener(family, fastOpen: true);
        for (int i = 1; i <= 2; i++)
        {
            byte[] request = WskConnectExTests.RandomBytes(300, seed: i);
            WskSocket socket = await client.ConnectAsync(address, request, fastOpen: true);
            WskSocket accepted = await client.AcceptAsync(listener);
            Assert.Equal(request, await WskTestClient.ReceiveAsync(accepted, request.Length));
            await WskTestClient.SendAsync(accepted, request);
            Assert.Equal(request, await WskTestClient.ReceiveAsync(socket, request.Length));
            Assert.Equal(NtStatus.Success, WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
            Assert.Equal(i == 2, report.SynDataAcknowledged);
            Assert.Equal(i == 1, (report.Flags & WskFastOpenFlags.CookieRequested) != 0);
        }
    }
}
