using System.Net;
using System.Net.Sockets;
using WskSharp.Net;
using WskSharp.Nt;
using WskSharp.Tests.Wsk;

namespace WskSharp.Tests.Net;

/// <summary>The .NET face on loopback in the process's own namespace: connect, send, receive, shut down, endpoints, and the
/// errors, cancellations and disposals around them. Needs no root.</summary>
public sealed class WskConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Initial_data_sends_and_receives_arrive_in_order_and_the_endpoints_match_the_peer()
    {
        byte[] initial = WskConnectExTests.RandomBytes(300, seed: 11);
        await using NetTestPeer pair = await NetTestPeer.OpenAsync(initial);
        WskConnection connection = pair.Connection;
        Assert.Equal(pair.Peer.RemoteEndPoint, connection.LocalEndPoint);
        Assert.Equal(pair.Peer.LocalEndPoint, connection.RemoteEndPoint);

        Assert.Equal(initial, await pair.ReadOnPeerAsync(300));
        byte[] more = WskConnectExTests.RandomBytes(5000, seed: 12);
        await connection.SendAsync(more, Ct);
        Assert.Equal(more, await pair.ReadOnPeerAsync(5000));

        byte[] back = WskConnectExTests.RandomBytes(7000, seed: 13);
        await pair.Peer.SendAsync(back, SocketFlags.None, Ct);
        Assert.Equal(back, await NetTestPeer.ReadExactlyAsync(connection, 7000));
    }

    [Fact]
    public async Task Initial_data_beyond_WskConnectEx_s_65535_bytes_follows_as_a_send_exactly_once()
    {
        byte[] initial = WskConnectExTests.RandomBytes(200_000, seed: 14);
        CancellationToken ct = Ct;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task<byte[]> peerReads = Task.Run(async () =>
        {
            using Socket peer = await listener.AcceptSocketAsync(ct);
            var all = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await peer.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                all.Write(buffer, 0, n);
            }

            return all.ToArray();
        }, ct);

        await using (WskConnection connection = await WskConnection.ConnectAsync(listener.LocalEndpoint, initial, cancellationToken: ct))
        {
            Assert.Equal(200_000, initial.Length);
            Assert.Equal(65_535, connection.FastOpen.BytesSent); // WskConnectEx's buffer; the rest went as a WskSend
            await connection.ShutdownSendAsync(ct);
        }

        Assert.Equal(initial, await peerReads.WaitAsync(NetTestPeer.HangGuard, ct));
    }

    [Fact]
    public async Task A_host_name_is_resolved_and_its_addresses_are_tried_in_turn()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0); // IPv4 only: "localhost" may give ::1 first, which refuses
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using WskConnection connection = await WskConnection.ConnectAsync("localhost", port, "hi"u8.ToArray(), cancellationToken: Ct);
        using Socket peer = await listener.AcceptSocketAsync(Ct);
        Assert.Equal(IPAddress.Loopback, connection.RemoteEndPoint.Address);
        Assert.Equal(port, connection.RemoteEndPoint.Port);
    }

    [Fact]
    public async Task A_name_with_no_address_of_the_local_endpoint_s_family_is_a_SocketException_as_from_Dns()
    {
        var ex = await Assert.ThrowsAsync<SocketException>(async () => await WskConnection.ConnectAsync("127.0.0.1", 80,
            options: new WskConnectOptions { LocalEndPoint = new IPEndPoint(IPAddress.IPv6Loopback, 0) }, cancellationToken: Ct));
        Assert.Equal(SocketError.HostNotFound, ex.SocketErrorCode);
        Assert.Contains("InterNetworkV6", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IPv6_loopback_works_too()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync("six"u8.ToArray(), family: AddressFamily.InterNetworkV6);
        Assert.Equal(IPAddress.IPv6Loopback, pair.Connection.RemoteEndPoint.Address);
        Assert.Equal("six"u8.ToArray(), await pair.ReadOnPeerAsync(3));
    }

    [Fact]
    public async Task ShutdownSendAsync_sends_FIN_and_receiving_goes_on()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        await pair.Connection.SendAsync("last"u8.ToArray(), Ct);
        await pair.Connection.ShutdownSendAsync(Ct);
        Assert.Equal("last"u8.ToArray(), await pair.ReadOnPeerAsync(4));
        Assert.Equal(0, await pair.Peer.ReceiveAsync(new byte[16], SocketFlags.None, Ct)); // FIN

        await pair.Peer.SendAsync("still here"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("still here"u8.ToArray(), await NetTestPeer.ReadExactlyAsync(pair.Connection, 10));

        var ex = await Assert.ThrowsAsync<WskException>(async () => await pair.Connection.SendAsync(new byte[1], Ct));
        Assert.Equal(NtStatus.InvalidDeviceState, ex.Status);
        Assert.Equal("WskSend", ex.Call);
    }

    [Fact]
    public async Task ReceiveAsync_returns_0_once_the_peer_has_closed()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        pair.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await pair.Connection.ReceiveAsync(new byte[10], Ct));
    }

    [Fact]
    public async Task A_refused_connect_throws_WskException_with_the_NTSTATUS_and_the_SocketError()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closed = (IPEndPoint)probe.LocalEndPoint!; // bound, not listening: a connect there is refused

        var ex = await Assert.ThrowsAsync<WskException>(async () => await WskConnection.ConnectAsync(closed, "x"u8.ToArray(), cancellationToken: Ct));
        Assert.Equal(NtStatus.ConnectionRefused, ex.Status);
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
        Assert.Equal("WskConnectEx", ex.Call);
        SocketException caught = Assert.IsType<SocketException>(ex, exactMatch: false); // catch (SocketException) keeps working
        Assert.Equal(SocketError.ConnectionRefused, caught.SocketErrorCode);
        Assert.Equal(new SocketException((int)SocketError.ConnectionRefused).NativeErrorCode, caught.NativeErrorCode);
        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
        Assert.Contains("STATUS_CONNECTION_REFUSED", ex.Message, StringComparison.Ordinal);
        Assert.Contains(closed.ToString(), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_that_catches_SocketException_around_a_refused_connect_keeps_working()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        SocketError? caught = null;
        try
        {
            await using WskConnection connection = await WskConnection.ConnectAsync(probe.LocalEndPoint!, "x"u8.ToArray(), cancellationToken: Ct);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            caught = ex.SocketErrorCode;
        }

        Assert.Equal(SocketError.ConnectionRefused, caught);
    }

    [Fact]
    public async Task Through_the_stream_view_a_failure_is_an_IOException_carrying_the_WskException_as_NetworkStream_does()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        await using Stream stream = pair.Connection.AsStream(leaveOpen: true);
        ValueTask<int> read = stream.ReadAsync(new byte[10], Ct);
        pair.Peer.LingerState = new LingerOption(true, 0);
        pair.Peer.Close(); // RST

        var ex = await Assert.ThrowsAsync<IOException>(async () => await read.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
        Assert.Equal(NtStatus.ConnectionReset, Assert.IsType<WskException>(ex.InnerException).Status);
        Assert.Contains("STATUS_CONNECTION_RESET", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reset_by_the_peer_fails_the_pending_receive_with_STATUS_CONNECTION_RESET()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        ValueTask<int> receive = pair.Connection.ReceiveAsync(new byte[10], Ct);
        pair.Peer.LingerState = new LingerOption(true, 0);
        pair.Peer.Close(); // RST

        var ex = await Assert.ThrowsAsync<WskException>(async () => await receive.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
        Assert.Equal(NtStatus.ConnectionReset, ex.Status);
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
    }

    [Fact]
    public async Task Cancelling_a_receive_cancels_its_IRP_and_the_connection_stays_usable()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        using var cts = new CancellationTokenSource();
        ValueTask<int> receive = pair.Connection.ReceiveAsync(new byte[10], cts.Token);
        Assert.False(receive.IsCompleted);
        await cts.CancelAsync();
        var oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await receive.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
        Assert.Equal(cts.Token, oce.CancellationToken);

        // Had the IRP been abandoned rather than cancelled, the provider would still hold it and these bytes would go to it.
        await pair.Peer.SendAsync("after"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal("after"u8.ToArray(), await NetTestPeer.ReadExactlyAsync(pair.Connection, 5));
    }

    [Fact]
    public async Task A_token_cancelled_before_the_call_makes_no_call()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pair.Connection.SendAsync(new byte[4], cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pair.Connection.ReceiveAsync(new byte[4], cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await WskConnection.ConnectAsync(pair.Peer.LocalEndPoint!, cancellationToken: cts.Token));
        await pair.Connection.SendAsync("ok"u8.ToArray(), Ct);
        Assert.Equal("ok"u8.ToArray(), await pair.ReadOnPeerAsync(2));
    }

    [Fact]
    public async Task Cancelling_a_pending_connect_cancels_its_IRP_and_closes_the_socket()
    {
        using FullAcceptQueue full = await FullAcceptQueue.OpenAsync(); // the next SYN is dropped: a connect stays pending
        using var provider = new WskNetProvider();
        using var cts = new CancellationTokenSource();
        ValueTask<WskConnection> connect = WskConnection.ConnectAsync(full.EndPoint, "data"u8.ToArray(), new WskConnectOptions { Provider = provider }, cts.Token);
        Assert.False(connect.IsCompleted);
        Assert.Equal(1, provider.OpenCount);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await connect.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
        Assert.Equal(0, provider.OpenCount);
    }

    [Fact]
    public async Task A_second_receive_while_one_is_in_flight_is_refused_and_the_first_still_completes()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        ValueTask<int> first = pair.Connection.ReceiveAsync(new byte[10], Ct);
#pragma warning disable CA2012 // The second ValueTask is refused before it exists: there is nothing to await.
        Assert.Throws<InvalidOperationException>(() => { _ = pair.Connection.ReceiveAsync(new byte[10], Ct); });
#pragma warning restore CA2012
        await pair.Peer.SendAsync("1"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal(1, await first.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
    }

    [Fact]
    public async Task Bad_arguments_throw_before_any_WSK_call()
    {
        using var provider = new WskNetProvider();
        var options = new WskConnectOptions { Provider = provider };
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await WskConnection.ConnectAsync((EndPoint)null!, options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await WskConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 0), options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await WskConnection.ConnectAsync(new IPEndPoint(IPAddress.Any, 80), options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await WskConnection.ConnectAsync(new IPEndPoint(IPAddress.IPv6Any, 80), options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await WskConnection.ConnectAsync(new UnixDomainSocketEndPoint("/tmp/x"), options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await WskConnection.ConnectAsync("", 80, options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await WskConnection.ConnectAsync("localhost", 0, options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await WskConnection.ConnectAsync("localhost", 65_536, options: options, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await WskConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 80),
            options: options with { LocalEndPoint = new IPEndPoint(IPAddress.IPv6Loopback, 0) }, cancellationToken: Ct));
        Assert.Throws<ArgumentNullException>(() => WskListener.Start(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => WskListener.Start(new IPEndPoint(IPAddress.Loopback, 0), new WskListenerOptions { FastOpenQueueLength = 0, Provider = provider }));
        Assert.Equal(0, provider.OpenCount);
    }

    [Fact]
    public async Task A_disposed_connection_throws_ObjectDisposedException_and_disposing_twice_is_harmless()
    {
        NetTestPeer pair = await NetTestPeer.OpenAsync();
        await using (pair)
        {
            WskConnection connection = pair.Connection;
            await connection.DisposeAsync();
            connection.Dispose();
            Assert.True(connection.IsDisposed);
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await connection.SendAsync(new byte[1], Ct));
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await connection.ReceiveAsync(new byte[1], Ct));
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await connection.ShutdownSendAsync(Ct));
            Assert.Throws<ObjectDisposedException>(() => connection.AsStream());
            Assert.Throws<ObjectDisposedException>(() => connection.AsDuplexPipe());
            Assert.Equal(0, await pair.Peer.ReceiveAsync(new byte[1], SocketFlags.None, Ct)); // the close reached the peer
        }
    }

    [Fact]
    public async Task Disposing_a_connection_completes_its_pending_receive_with_STATUS_CANCELLED()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        ValueTask<int> receive = pair.Connection.ReceiveAsync(new byte[10], Ct);
        pair.Connection.Dispose();
        var ex = await Assert.ThrowsAsync<WskException>(async () => await receive.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
        Assert.Equal(NtStatus.Cancelled, ex.Status);
        Assert.Equal(SocketError.OperationAborted, ex.SocketErrorCode);
    }

    [Fact]
    public async Task Disposing_a_provider_closes_what_it_has_open_and_refuses_new_connections()
    {
        var provider = new WskNetProvider();
        var options = new WskConnectOptions { Provider = provider };
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        WskConnection connection = await WskConnection.ConnectAsync(listener.LocalEndpoint, options: options, cancellationToken: Ct);
        using Socket peer = await listener.AcceptSocketAsync(Ct);
        ValueTask<int> receive = connection.ReceiveAsync(new byte[4], Ct);
        Assert.Equal(1, provider.OpenCount);

        provider.Dispose();
        Assert.True(connection.IsDisposed);
        Assert.Equal(NtStatus.Cancelled, (await Assert.ThrowsAsync<WskException>(async () => await receive.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct))).Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await WskConnection.ConnectAsync(listener.LocalEndpoint, options: options, cancellationToken: Ct));
        await AssertPeerSeesTheEnd(peer); // a close with a request pending resets (the peer must not take it for a clean end)
        WskNetProvider.Default.Dispose(); // the process-wide one cannot be disposed
        await using NetTestPeer still = await NetTestPeer.OpenAsync();
    }

    private static async Task AssertPeerSeesTheEnd(Socket peer)
    {
        try
        {
            Assert.Equal(0, await peer.ReceiveAsync(new byte[1], SocketFlags.None, Ct));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    [Fact]
    public async Task WskListener_accepts_WskConnections_both_ends_through_the_WSK_layer()
    {
        using var provider = new WskNetProvider();
        await using WskListener listener = WskListener.Start(new IPEndPoint(IPAddress.Loopback, 0), new WskListenerOptions { Provider = provider });
        Assert.NotEqual(0, listener.LocalEndPoint.Port);
        ValueTask<WskConnection> accept = listener.AcceptAsync(Ct);
        await using WskConnection client = await WskConnection.ConnectAsync(listener.LocalEndPoint, "hello"u8.ToArray(), new WskConnectOptions { Provider = provider }, Ct);
        await using WskConnection server = await accept.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct);
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
        Assert.Equal(client.RemoteEndPoint, server.LocalEndPoint);
        Assert.Equal("hello"u8.ToArray(), await NetTestPeer.ReadExactlyAsync(server, 5));
        Assert.NotNull(server.FastOpen.WhyNot);
        Assert.Equal(3, provider.OpenCount);
    }

    [Fact]
    public async Task A_cancelled_or_disposed_listener_ends_its_pending_accept()
    {
        using var provider = new WskNetProvider();
        WskListener listener = WskListener.Start(new IPEndPoint(IPAddress.Loopback, 0), new WskListenerOptions { Provider = provider });
        using (var cts = new CancellationTokenSource())
        {
            ValueTask<WskConnection> accept = listener.AcceptAsync(cts.Token);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await accept.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
        }

        ValueTask<WskConnection> pending = listener.AcceptAsync(Ct);
        await listener.DisposeAsync();
        Assert.Equal(NtStatus.Cancelled, (await Assert.ThrowsAsync<WskException>(async () => await pending.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct))).Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await listener.AcceptAsync(Ct));
    }
}
