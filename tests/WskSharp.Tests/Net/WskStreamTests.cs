using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using WskSharp.Net;
using WskSharp.Tests.Wsk;

namespace WskSharp.Tests.Net;

/// <summary>The Stream and IDuplexPipe views: the same WskSend/WskReceive calls under .NET's stream and pipe consumers.</summary>
public sealed class WskStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_StreamReader_and_StreamWriter_talk_over_AsStream()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        await using Stream stream = pair.Connection.AsStream(leaveOpen: true);
        Assert.True(stream.CanRead && stream.CanWrite && !stream.CanSeek);
        await using (var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" })
        {
            await writer.WriteLineAsync("ping over WskSend");
        }

        Assert.Equal("ping over WskSend\n"u8.ToArray(), await pair.ReadOnPeerAsync(18));
        await pair.Peer.SendAsync("pong over WskReceive\n"u8.ToArray(), SocketFlags.None, Ct);
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        Assert.Equal("pong over WskReceive", await reader.ReadLineAsync(Ct));
    }

    [Fact]
    public async Task The_synchronous_stream_methods_work_and_disposing_the_stream_closes_the_connection()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        Stream stream = pair.Connection.AsStream();
        stream.Write("sync"u8);
        stream.Write([1, 2, 3], 1, 2);
        Assert.Equal("sync\u0002\u0003"u8.ToArray(), await pair.ReadOnPeerAsync(6));
        await pair.Peer.SendAsync("abc"u8.ToArray(), SocketFlags.None, Ct);
        var buffer = new byte[3];
        stream.ReadExactly(buffer);
        Assert.Equal("abc"u8.ToArray(), buffer);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));

        await stream.DisposeAsync();
        Assert.True(pair.Connection.IsDisposed);
        Assert.False(stream.CanRead);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await stream.WriteAsync(new byte[1], Ct));
    }

    [Fact]
    public async Task A_stream_copies_a_large_payload_both_ways_intact()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        byte[] payload = WskConnectExTests.RandomBytes(1 << 20, seed: 21);
        Stream stream = pair.Connection.AsStream(leaveOpen: true);
        Task<byte[]> peerReads = pair.ReadOnPeerAsync(payload.Length);
        await new MemoryStream(payload).CopyToAsync(stream, Ct);
        Assert.Equal(payload, await peerReads);

        Task peerWrites = Task.Run(async () =>
        {
            await pair.Peer.SendAsync(payload, SocketFlags.None, Ct);
            pair.Peer.Shutdown(SocketShutdown.Send);
        }, Ct);
        var received = new MemoryStream();
        await stream.CopyToAsync(received, Ct); // until the peer's FIN: ReceiveAsync returns 0
        await peerWrites;
        Assert.Equal(payload, received.ToArray());
    }

    [Fact]
    public async Task The_duplex_pipe_reads_and_writes_through_the_connection_and_leaves_it_open()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        IDuplexPipe pipe = pair.Connection.AsDuplexPipe();
        await pipe.Output.WriteAsync("through the pipe"u8.ToArray(), Ct);
        Assert.Equal("through the pipe"u8.ToArray(), await pair.ReadOnPeerAsync(16));

        await pair.Peer.SendAsync("and back"u8.ToArray(), SocketFlags.None, Ct);
        var got = new List<byte>();
        while (got.Count < 8)
        {
            ReadResult result = await pipe.Input.ReadAsync(Ct);
            got.AddRange(result.Buffer.ToArray());
            pipe.Input.AdvanceTo(result.Buffer.End);
        }

        Assert.Equal("and back"u8.ToArray(), got.ToArray());
        await pipe.Input.CompleteAsync();
        await pipe.Output.CompleteAsync();
        Assert.False(pair.Connection.IsDisposed);
        await pair.Connection.SendAsync("x"u8.ToArray(), Ct);
        Assert.Equal("x"u8.ToArray(), await pair.ReadOnPeerAsync(1));
    }

    [Fact]
    public async Task The_HttpClient_stream_connects_at_its_first_write_with_those_bytes_as_WskConnectEx_s_buffer()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var connections = new List<WskConnection>();
        await using var stream = DeferredStream((System.Net.IPEndPoint)listener.LocalEndpoint, connections.Add);
        Assert.Empty(connections); // nothing connects before the first write
        await stream.FlushAsync(Ct);
        Assert.Empty(connections);

        await stream.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), Ct);
        WskConnection connection = Assert.Single(connections);
        Assert.Equal(18, connection.FastOpen.BytesSent); // the write was the connect's data, not a later send
        using Socket peer = await listener.AcceptSocketAsync(Ct);
        var request = new byte[18];
        await peer.ReceiveAsync(request, SocketFlags.None, Ct);
        Assert.Equal("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), request);

        await stream.WriteAsync("more"u8.ToArray(), Ct);
        await peer.SendAsync("reply"u8.ToArray(), SocketFlags.None, Ct);
        var reply = new byte[5];
        await stream.ReadExactlyAsync(reply, Ct);
        Assert.Equal("reply"u8.ToArray(), reply);
        Assert.Single(connections);
    }

    [Fact]
    public async Task The_HttpClient_stream_connects_without_data_when_it_is_read_first()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var connections = new List<WskConnection>();
        var stream = DeferredStream((System.Net.IPEndPoint)listener.LocalEndpoint, connections.Add);
        var greeting = new byte[5];
        ValueTask<int> read = stream.ReadAsync(greeting, Ct); // a server-first protocol: the read connects, with no data
        using Socket peer = await listener.AcceptSocketAsync(Ct);
        await peer.SendAsync("hello"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal(5, await read.AsTask().WaitAsync(NetTestPeer.HangGuard, Ct));
        Assert.Equal(0, Assert.Single(connections).FastOpen.BytesSent);

        await stream.DisposeAsync();
        Assert.True(connections[0].IsDisposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await stream.WriteAsync(new byte[1], Ct));
    }

    [Fact]
    public async Task Disposing_the_HttpClient_stream_cancels_its_pending_connect_and_closes_the_socket()
    {
        using FullAcceptQueue full = await FullAcceptQueue.OpenAsync(); // the SYN is dropped: the connect stays pending
        using var provider = new WskNetProvider();
        var stream = DeferredStream(full.EndPoint, _ => { }, new WskConnectOptions { Provider = provider });
        Task write = stream.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), Ct).AsTask(); // HttpClient's writes carry no token
        Assert.False(write.IsCompleted);

        await stream.DisposeAsync(); // what HttpClient does to cancel a request (its Timeout, its token)
        await Assert.ThrowsAsync<ObjectDisposedException>(() => write.WaitAsync(NetTestPeer.HangGuard, Ct));
        Assert.Equal(0, provider.OpenCount); // the connect IRP was cancelled and its socket closed
    }

    private static DeferredConnectStream DeferredStream(System.Net.IPEndPoint server, Action<WskConnection> connected, WskConnectOptions? options = null)
        => new(new System.Net.DnsEndPoint(server.Address.ToString(), server.Port), [server], options ?? WskConnectOptions.Default, connected,
            Timeout.InfiniteTimeSpan, System.Diagnostics.Stopwatch.GetTimestamp());
}
