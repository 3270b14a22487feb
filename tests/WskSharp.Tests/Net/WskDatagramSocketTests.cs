using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WskSharp.Net;
using WskSharp.Ws2;

namespace WskSharp.Tests.Net;

/// <summary>The .NET face's datagram socket over loopback: a round trip with the sender's address, MessageSize for a datagram
/// longer than the buffer, ConnectionReset for a port where nothing listens (as .NET reports both on Windows), cancellation.</summary>
public sealed class WskDatagramSocketTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task SendToAsync_and_ReceiveFromAsync_carry_a_datagram_and_its_sender(string address)
    {
        using var provider = new WskNetProvider();
        using WskDatagramSocket a = WskDatagramSocket.Bind(new IPEndPoint(IPAddress.Parse(address), 0), provider);
        using WskDatagramSocket b = WskDatagramSocket.Bind(new IPEndPoint(IPAddress.Parse(address), 0), provider);
        Assert.NotEqual(0, b.LocalEndPoint.Port);
        byte[] buffer = new byte[100];
        var from = new StrongBox<SockAddr>();

        await a.SendToAsync(new byte[] { 1, 2, 3 }, b.LocalEndPoint, Ct);
        int received = await b.ReceiveFromAsync(buffer, from, Ct);

        Assert.Equal(3, received);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
        Assert.Equal(a.LocalEndPoint, from.Value.ToEndPoint());
    }

    [Fact]
    public async Task A_datagram_longer_than_the_buffer_is_MessageSize()
    {
        using var provider = new WskNetProvider();
        using WskDatagramSocket a = WskDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), provider);
        using WskDatagramSocket b = WskDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), provider);
        await a.SendToAsync(new byte[500], b.LocalEndPoint, Ct);

        var ex = await Assert.ThrowsAsync<WskException>(async () => await b.ReceiveFromAsync(new byte[10], new StrongBox<SockAddr>(), Ct));

        Assert.Equal(SocketError.MessageSize, ex.SocketErrorCode);
    }

    [Fact]
    public async Task A_port_where_nothing_listens_is_ConnectionReset_on_the_next_receive_and_the_socket_goes_on()
    {
        using var provider = new WskNetProvider();
        using WskDatagramSocket a = WskDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), provider);
        IPEndPoint gone;
        using (WskDatagramSocket closed = WskDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), provider))
        {
            gone = closed.LocalEndPoint;
        }

        await a.SendToAsync(new byte[] { 1 }, gone, Ct);
        var ex = await Assert.ThrowsAsync<WskException>(async () => await a.ReceiveFromAsync(new byte[10], new StrongBox<SockAddr>(), Ct));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);

        await a.SendToAsync(new byte[] { 9 }, a.LocalEndPoint, Ct);
        Assert.Equal(1, await a.ReceiveFromAsync(new byte[10], new StrongBox<SockAddr>(), Ct));
    }

    [Fact]
    public async Task A_pending_receive_is_cancelled_by_its_token_and_the_socket_goes_on()
    {
        using var provider = new WskNetProvider();
        using WskDatagramSocket a = WskDatagramSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), provider);
        using var cts = new CancellationTokenSource();
        ValueTask<int> pending = a.ReceiveFromAsync(new byte[10], new StrongBox<SockAddr>(), cts.Token);
        Assert.False(pending.IsCompleted);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        await a.SendToAsync(new byte[] { 4 }, a.LocalEndPoint, Ct);
        Assert.Equal(1, await a.ReceiveFromAsync(new byte[10], new StrongBox<SockAddr>(), Ct));
    }
}
