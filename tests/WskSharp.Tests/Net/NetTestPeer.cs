using System.Net;
using System.Net.Sockets;
using WskSharp.Net;

namespace WskSharp.Tests.Net;

/// <summary>
/// One end made by the .NET face (<see cref="WskConnection.ConnectAsync(EndPoint, ReadOnlyMemory{byte}, WskConnectOptions?, CancellationToken)"/>),
/// the other a plain .NET socket accepted on loopback in the process's own namespace: what one side sends, the other can
/// check byte for byte. Disposing closes both and the listener.
/// </summary>
internal sealed class NetTestPeer : IAsyncDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    private readonly TcpListener _listener;

    private NetTestPeer(TcpListener listener, WskConnection connection, Socket peer)
    {
        _listener = listener;
        Connection = connection;
        Peer = peer;
    }

    public WskConnection Connection { get; }

    public Socket Peer { get; }

    public static async Task<NetTestPeer> OpenAsync(byte[]? initialData = null, WskConnectOptions? options = null, AddressFamily family = AddressFamily.InterNetwork)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var listener = new TcpListener(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            ValueTask<Socket> accept = listener.AcceptSocketAsync(ct);
            WskConnection connection = await WskConnection.ConnectAsync(listener.LocalEndpoint, initialData, options, ct).AsTask().WaitAsync(HangGuard, ct);
            Socket peer = await accept.AsTask().WaitAsync(HangGuard, ct);
            return new NetTestPeer(listener, connection, peer);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes on the .NET end.</summary>
    public Task<byte[]> ReadOnPeerAsync(int count) => LoopbackConnection.ReadExactlyAsync(Peer, count);

    /// <summary>Receives exactly <paramref name="count"/> bytes on the WSK end.</summary>
    public static async Task<byte[]> ReadExactlyAsync(WskConnection connection, int count)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var buffer = new byte[count];
        int total = 0;
        while (total < count)
        {
            int n = await connection.ReceiveAsync(buffer.AsMemory(total), ct).AsTask().WaitAsync(HangGuard, ct);
            Assert.True(n > 0, $"the stream ended after {total} of {count} bytes");
            total += n;
        }

        return buffer;
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        Peer.Dispose();
        _listener.Dispose();
    }
}
